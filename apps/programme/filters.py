from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField

from apps.events.models import Event
from apps.kernel.timezones import instant_in_utc

from .enums import SessionKind, SessionStatus
from .models import Session
from .selectors import sessions_for_delegation, sessions_in_language, sessions_on_day

# The longest search text: longer than any title worth searching for, short enough to be cheap.
SEARCH_MAX_LENGTH = 200


class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number that fits the id column (else a 400, not an overflow)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # any form field does; the stubs say DecimalField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, in UTC, with an offset that some zone uses."""

    def clean(self, value: object) -> dt.datetime | None:
        instant = super().clean(value)
        if instant is None:
            return None
        try:
            return instant_in_utc(instant)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class SessionFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(method="filter_day", help_text="A local day of the event (YYYY-MM-DD).")
    room = IdFilter(field_name="room_id")
    kind = django_filters.ChoiceFilter(choices=SessionKind.choices)
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    language = django_filters.CharFilter(method="filter_language", help_text="A language code, such as fr.")
    delegation = IdFilter(method="filter_delegation", help_text="Sessions expecting it.")
    participant = IdFilter(method="filter_participant", help_text="Sessions expecting them.")
    updated_since = InstantFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(
        method="search", max_length=SEARCH_MAX_LENGTH, help_text="Part of the title, in any language, or the code."
    )
    ordering = django_filters.OrderingFilter(fields=["start", "end", "code", "updated_at"])

    class Meta:
        model = Session
        fields = ["day", "room", "kind", "status", "language", "delegation", "participant", "updated_since"]

    def filter_day(self, queryset: QuerySet[Session], name: str, value: dt.date) -> QuerySet[Session]:
        event: Event = self.request.parser_context["view"].event  # type: ignore[union-attr]  # DRF's Request, from the API view
        return sessions_on_day(queryset, event=event, day=value)

    def filter_language(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        return sessions_in_language(queryset, value)

    def filter_delegation(self, queryset: QuerySet[Session], name: str, value: int) -> QuerySet[Session]:
        return sessions_for_delegation(queryset, value)

    def filter_participant(self, queryset: QuerySet[Session], name: str, value: int) -> QuerySet[Session]:
        return queryset.filter(pk__in=Session.objects.filter(participants=value).values("pk"))

    def search(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        return queryset.filter(Q(title__icontains=value) | Q(code__iexact=value))
