from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import viewsets

from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import principal_for
from apps.events.models import Event
from gaplanner.api import LanguageContextMixin

from .filters import SessionFilter
from .models import Session
from .selectors import sessions_visible_to
from .serializers import SessionSerializer


class SessionViewSet(LanguageContextMixin, viewsets.ReadOnlyModelViewSet):
    """The sessions of an event that the caller may see, addressed by their stable ``code``."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Z0-9-]+"

    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, slug=self.kwargs["event_slug"])

    def get_queryset(self) -> QuerySet[Session]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no event
            return Session.objects.none()
        principal = principal_for(user=self.request.user, event=self.event)
        return (
            sessions_visible_to(principal)
            .select_related("room")
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.only("id")),
                Prefetch("delegations", queryset=Delegation.objects.only("id")),
            )
            .order_by("start", "code")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["event"] = self.event
        return context
