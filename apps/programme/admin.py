from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _

from apps.delegations.enums import Role
from apps.kernel.organizer_admin import EventScopedAdmin, ReadOnlyAdmin, language_list_field
from apps.kernel.timezones import LocalTimeError, make_aware_strict

from .conflicts import warnings_for_session
from .enums import SessionStatus
from .models import AuditEntry, ScheduleVersion, Session, SessionQuerySet
from .selectors import sessions_clashing_in_room
from .services import session_delete, session_save


class WallClockField(forms.SplitDateTimeField):
    """A date and time as read on the event's clocks; the form turns it into an instant."""

    widget = AdminSplitDateTime

    def compress(self, data_list: Sequence[Any] | None) -> dt.datetime | None:
        if not data_list:
            return None
        day, time = data_list
        if day is None or time is None:
            raise forms.ValidationError(self.error_messages["invalid_date" if day is None else "invalid_time"])
        return dt.datetime.combine(day, time)


class SessionForm(forms.ModelForm):
    start = WallClockField(label=_("start"), help_text=_("In the event's time zone."))
    end = WallClockField(label=_("end"), help_text=_("In the event's time zone."))
    languages = language_list_field(_("languages"))
    roles = forms.MultipleChoiceField(
        label=_("expected roles"),
        required=False,
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every participant with one of these roles is expected."),
    )

    class Meta:
        model = Session
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zone = self.instance.event.zone
            self.initial["start"] = self.instance.start.astimezone(zone).replace(tzinfo=None)
            self.initial["end"] = self.instance.end.astimezone(zone).replace(tzinfo=None)
            self.fields["code"].disabled = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        event = cleaned.get("event")
        for name in ("start", "end"):
            value = cleaned.get(name)
            if event is None or value is None:
                continue
            try:
                cleaned[name] = make_aware_strict(value, event.zone)
            except LocalTimeError as exc:
                self.add_error(name, str(exc))
        self._refuse_double_booking(cleaned)
        return cleaned

    def _refuse_double_booking(self, cleaned: dict[str, Any]) -> None:
        room, start, end = cleaned.get("room"), cleaned.get("start"), cleaned.get("end")
        if not (room and isinstance(start, dt.datetime) and start.tzinfo and isinstance(end, dt.datetime)):
            return
        if cleaned.get("status") == SessionStatus.CANCELLED or end.tzinfo is None:
            return
        clashing = sessions_clashing_in_room(room_id=room.pk, start=start, end=end, exclude_pk=self.instance.pk)
        if clashing.exists():
            codes = ", ".join(clashing.order_by("start").values_list("code", flat=True))
            self.add_error("room", _("The room already holds %(codes)s at that time.") % {"codes": codes})


@admin.register(Session)
class SessionAdmin(EventScopedAdmin):
    form = SessionForm
    list_display = ["code", "__str__", "start", "room", "kind", "status", "visibility"]
    list_filter = ["event", "kind", "status", "visibility", "room"]
    search_fields = ["code", "title"]
    date_hierarchy = "start"
    autocomplete_fields = ["participants", "delegations"]
    list_select_related = ["room", "event"]
    readonly_fields = ["sequence", "created_at", "updated_at"]

    def save_model(self, request: Any, obj: Session, form: Any, change: bool) -> None:
        # Through the service, so that the change is checked and recorded in the audit log.
        session_save(session=obj, data={})
        for warning in warnings_for_session(session=obj):
            messages.warning(request, warning.message)

    def delete_model(self, request: Any, obj: Session) -> None:
        session_delete(session=obj)

    def get_queryset(self, request: Any) -> SessionQuerySet:
        return cast(SessionQuerySet, super().get_queryset(request)).working()

    fieldsets = [
        (None, {"fields": ["event", "code", "kind", "status", "title", "description"]}),
        (_("Time and place"), {"fields": ["start", "end", "room", "languages"]}),
        (
            _("Audience"),
            {
                "fields": [
                    "visibility",
                    "for_everyone",
                    "for_member_delegations",
                    "delegations",
                    "participants",
                    "roles",
                    "expected_attendance",
                ]
            },
        ),
        (_("History"), {"fields": ["sequence", "created_at", "updated_at"]}),
    ]


@admin.register(ScheduleVersion)
class ScheduleVersionAdmin(ReadOnlyAdmin):
    list_display = ["event", "number", "published_at", "published_by", "note"]
    list_filter = ["event"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "event", "username", "channel", "action", "code"]
    list_filter = ["event", "channel", "action"]
    search_fields = ["code", "username"]
