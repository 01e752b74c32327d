from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet

from apps.events.models import Event

from .enums import SessionKind, SessionStatus
from .models import Session
from .selectors import sessions_on_day


class SessionFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(method="filter_day", help_text="A local day of the event (YYYY-MM-DD).")
    room = django_filters.NumberFilter(field_name="room_id")
    kind = django_filters.ChoiceFilter(choices=SessionKind.choices)
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    language = django_filters.CharFilter(method="filter_language", help_text="A language code, such as fr.")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Session
        fields = ["day", "room", "kind", "status", "language", "updated_since"]

    def filter_day(self, queryset: QuerySet[Session], name: str, value: dt.date) -> QuerySet[Session]:
        event: Event = self.request.parser_context["view"].event  # type: ignore[union-attr]
        return sessions_on_day(queryset, event=event, day=value)

    def filter_language(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        # ``languages`` is a JSON list; see sessions_visible_to on matching quoted names.
        return queryset.filter(languages__icontains=f'"{value}"')
