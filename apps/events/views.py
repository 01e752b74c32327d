from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from gaplanner.api import LanguageContextMixin

from .models import Event
from .selectors import events_listed
from .serializers import EventSerializer


class EventViewSet(LanguageContextMixin, viewsets.ReadOnlyModelViewSet):
    """Events (assemblies), addressed by slug."""

    serializer_class = EventSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Event]:
        return events_listed()
