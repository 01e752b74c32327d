from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from apps.kernel.organizer_admin import EventScopedAdmin, ReadOnlyAdmin

from .enums import Channel, DeliveryStatus, WebhookTopic
from .models import Notification, ReminderPreference, WebhookDelivery, WebhookEndpoint
from .services.preferences import PREFERENCE_FIELDS, reminder_preference_update
from .webhooks.addresses import webhook_url_check
from .webhooks.services import webhook_delivery_redeliver, webhook_endpoint_save, webhook_secret_rotate


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", help_text=_("Receives a POST with a JSON body.")
    )
    topics = forms.MultipleChoiceField(
        label=_("topics"), choices=WebhookTopic.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        url = cleaned.get("url")
        if url and (self.instance.pk is None or url != self.initial.get("url")):
            try:
                webhook_url_check(url)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


def _secrets_page(request: HttpRequest, admin_site: admin.AdminSite, endpoints: Iterable[WebhookEndpoint]) -> Any:
    """The one answer that shows secrets: after a webhook is added or its secret rotated."""
    context = {
        **admin_site.each_context(request),
        "title": _("Webhook secrets"),
        "opts": WebhookEndpoint._meta,
        "endpoints": list(endpoints),
    }
    return TemplateResponse(request, "admin/notifications/webhook_secrets.html", context)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(EventScopedAdmin):
    """REST clients' webhook URLs. A secret is shown once, when the webhook is added or the
    secret rotated; afterwards only its last characters, to tell secrets apart."""

    form = WebhookEndpointForm
    list_display = ["url", "event", "topics", "is_active", "secret_hint", "updated_at"]
    list_filter = ["event", "is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret_hint", "created_at", "updated_at"]
    fields = ["event", "url", "topics", "description", "is_active", "secret_hint", "created_at", "updated_at"]
    actions = ["rotate_secret"]

    @admin.display(description=_("secret"))
    def secret_hint(self, obj: WebhookEndpoint) -> str:
        if obj.pk is None:
            return str(_("Made when the webhook is saved, and shown once."))
        return f"…{obj.secret[-4:]}"

    def save_model(self, request: Any, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        # Through the service: the URL is checked against the private-address rule again.
        webhook_endpoint_save(endpoint=obj, data={})

    def response_add(self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None) -> Any:
        return _secrets_page(request, self.admin_site, [obj])

    @admin.action(description=_("Give the selected webhooks new secrets (the old ones stop working)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> HttpResponse:
        endpoints = [webhook_secret_rotate(endpoint=endpoint) for endpoint in queryset]
        return _secrets_page(request, self.admin_site, endpoints)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Each delivery and its last attempt. A delivered or failed one can be sent again."""

    event_path = "endpoint__event"
    list_display = [
        "created_at",
        "endpoint",
        "topic",
        "key",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "topic", "endpoint__event"]
    search_fields = ["key", "endpoint__url"]
    list_select_related = ["endpoint"]
    actions = ["redeliver"]

    @admin.action(description=_("Send the selected deliveries again"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = [webhook_delivery_redeliver(delivery=d) for d in queryset.exclude(status=DeliveryStatus.PENDING)]
        messages.success(request, _("%(count)s deliveries will be sent again.") % {"count": len(done)})
        skipped = queryset.count() - len(done)
        if skipped:
            messages.warning(request, _("%(count)s still pending: left as they are.") % {"count": skipped})


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The log of reminders, change notices and digests, each with its outcome."""

    list_display = [
        "due_at",
        "participant",
        "kind",
        "session_code",
        "lead_minutes",
        "session_sequence",
        "version_from",
        "day",
        "status",
        "sent_at",
        "detail",
    ]
    list_filter = ["status", "kind", "event"]
    search_fields = ["session_code", "participant__last_name", "participant__email"]
    list_select_related = ["participant"]
    date_hierarchy = "due_at"


class ReminderPreferenceForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked turns reminders, digests and change notices off."),
    )

    class Meta:
        model = ReminderPreference
        fields = "__all__"


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(EventScopedAdmin):
    """A participant's own reminder settings (no row: the event's defaults)."""

    form = ReminderPreferenceForm
    event_path = "participant__event"
    list_display = ["participant", "lead_minutes", "channels", "digest_hour", "updated_at"]
    list_filter = ["participant__event", "digest_hour"]
    search_fields = ["participant__last_name", "participant__email"]
    autocomplete_fields = ["participant"]
    list_select_related = ["participant"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return ["participant"] if obj is not None else []

    def save_model(self, request: Any, obj: ReminderPreference, form: Any, change: bool) -> None:
        # Through the service, which plans the participant's reminders again.
        data = {name: getattr(obj, name) for name in PREFERENCE_FIELDS}
        saved = reminder_preference_update(participant=obj.participant, data=data)
        obj.pk = saved.pk
