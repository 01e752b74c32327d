from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.delegations.models import Delegation, Participant
from gaplanner.api_views import EventMixin, EventResourceViewSet

from .filters import SessionFilter
from .models import Session
from .selectors import sessions_expecting, sessions_visible_to
from .serializers import SessionSerializer
from .services import session_cancel, session_save


def _with_relations(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("room").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.only("id")),
        Prefetch("delegations", queryset=Delegation.objects.only("id")),
    )


class SessionViewSet(EventResourceViewSet):
    """The sessions of an event that the caller may see, addressed by their stable ``code``."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Z0-9-]+"

    def visible_queryset(self) -> QuerySet[Session]:
        return _with_relations(sessions_visible_to(self.principal)).order_by("start", "code")

    def save_object(self, instance: Session | None, data: dict[str, Any]) -> Session:
        return session_save(session=instance or Session(event=self.event), data=data)

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the session: it stays in the programme, marked cancelled."""
        self.written_instance = session = session_cancel(session=self.get_object())
        return Response(self.get_serializer(session).data)


class MyAgendaViewSet(EventMixin, viewsets.GenericViewSet):
    """The sessions the caller is expected at (directly, through their delegation or role)."""

    serializer_class = SessionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = SessionFilter

    def get_queryset(self) -> QuerySet[Session]:
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        if self.principal.participant is None:
            raise Http404
        return _with_relations(sessions_expecting(self.principal)).order_by("start", "code")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
