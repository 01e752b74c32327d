from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from apps.accounts.services import verified_email_add, verified_email_owner
from apps.kernel.organizer_admin import EventScopedAdmin, EventScopedInline

from .models import Delegation, Participant


class ParticipantFormSet(BaseInlineFormSet):
    """Participants added on a delegation's page belong to the delegation's event."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # Django's formset hook, private: not in django-stubs
        form.instance.event_id = self.instance.event_id
        form.instance.delegation = self.instance
        return form


class ParticipantInline(EventScopedInline):
    model = Participant
    formset = ParticipantFormSet
    fields = ["role", "first_name", "last_name", "email", "language", "is_active"]


@admin.register(Delegation)
class DelegationAdmin(EventScopedAdmin):
    list_display = ["__str__", "country", "kind", "region", "event"]
    list_filter = ["event", "kind", "region"]
    search_fields = ["country", "organisation"]
    inlines = [ParticipantInline]


@admin.register(Participant)
class ParticipantAdmin(EventScopedAdmin):
    list_display = ["last_name", "first_name", "delegation", "role", "language", "email", "is_active"]
    list_filter = ["event", "role", "language", "is_active", "delegation__region"]
    search_fields = ["first_name", "last_name", "email", "delegation__country"]
    autocomplete_fields = ["delegation"]
    raw_id_fields = ["user"]
    list_select_related = ["delegation"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a superuser links a registration to an existing account: the link would let
        that account act as the participant. Others leave it to the e-mailed sign-in."""
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else [*readonly, "user"]

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        """A superuser who links a registration to an account vouches that the account reads
        the registration's address, unless another account proved it reads it."""
        super().save_model(request, obj, form, change)
        vouched = "user" in form.changed_data and obj.user is not None and obj.email
        if vouched and verified_email_owner(email=obj.email) is None:
            verified_email_add(user=obj.user, email=obj.email)
