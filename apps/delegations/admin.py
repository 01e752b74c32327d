from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from gaplanner.organizer_admin import EventScopedAdmin, EventScopedInline

from .models import Delegation, Participant


class ParticipantFormSet(BaseInlineFormSet):
    """Participants added on a delegation's page belong to the delegation's event."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)
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
