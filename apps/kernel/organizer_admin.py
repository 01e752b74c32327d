"""What the admin classes of every app share: scoping to the organizer's events, list fields.

A superuser sees every event. A staff user in the ``Organizers`` group sees and edits only
the events they organize, and everything that belongs to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def organized_events_filter(request: HttpRequest, path: str) -> dict[str, Any]:
    """Lookup kwargs that keep rows whose event (reached by ``path``) the user organizes."""
    if request.user.is_superuser:
        return {}
    prefix = f"{path}__" if path else ""
    return {f"{prefix}organizers": request.user}


class EventScopedAdmin(admin.ModelAdmin):
    """Admin whose rows and choices are limited to the user's events.

    ``event_path`` is the lookup from the model to its event (``""`` for Event itself).
    """

    event_path = "event"
    # Lookup paths from a related model to its event, for narrowing foreign-key choices.
    related_event_paths = {
        "events.event": "",
        "events.venue": "event",
        "events.room": "venue__event",
        "delegations.delegation": "event",
        "delegations.participant": "event",
    }

    def get_queryset(self, request: HttpRequest) -> QuerySet[Model]:
        queryset = super().get_queryset(request)
        scope = organized_events_filter(request, self.event_path)
        return queryset.filter(**scope).distinct() if scope else queryset

    def _scoped(self, request: HttpRequest, queryset: QuerySet[Model]) -> QuerySet[Model]:
        path = self.related_event_paths.get(queryset.model._meta.label_lower)
        if path is None:
            return queryset
        return queryset.filter(**organized_events_filter(request, path)).distinct()

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and field.queryset is not None:
            field.queryset = self._scoped(request, field.queryset)
        return field

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and field.queryset is not None:
            field.queryset = self._scoped(request, field.queryset)
        return field


class EventScopedInline(admin.TabularInline):
    extra = 0
    show_change_link = True


def language_list_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.MultipleChoiceField:
    """Checkboxes for a JSON list of language codes."""
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )


class ReadOnlyAdmin(EventScopedAdmin):
    """Records written by the services only: shown, never edited here."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
