from __future__ import annotations

from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.delegations.api import MyRegistrationMixin
from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal
from apps.events.api import EventMixin, EventResourceViewSet, OrganizersOnly
from apps.kernel.api import StrictFieldsMixin

from .conflicts import warnings_for_schedule, warnings_for_session
from .filters import SessionFilter
from .models import AuditEntry, ScheduleVersion, Session
from .selectors import (
    audit_entries_of_event,
    change_entries_visible_to,
    sessions_expecting,
    sessions_visible_to,
    versions_of_event,
)
from .serializers import AuditEntrySerializer, PublishSerializer, ScheduleVersionSerializer, SessionSerializer
from .services import (
    agenda_add,
    agenda_remove,
    schedule_changes,
    schedule_publish,
    session_cancel,
    session_delete,
    session_save,
)

# The largest number a version's PositiveIntegerField holds on every database.
VERSION_NUMBER_MAX = 2**31 - 1


def _warnings_of(session: Session) -> list[dict[str, Any]]:
    return [w.as_dict() for w in warnings_for_session(session=session)]


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

    def delete_object(self, instance: Session) -> None:
        session_delete(session=instance)

    def perform_create(self, serializer: serializers.BaseSerializer[Session]) -> None:
        super().perform_create(serializer)  # sets the instance to the session saved
        serializer.context["warnings"] = _warnings_of(cast(Session, serializer.instance))

    def perform_update(self, serializer: serializers.BaseSerializer[Session]) -> None:
        super().perform_update(serializer)
        serializer.context["warnings"] = _warnings_of(cast(Session, serializer.instance))

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the session: it stays in the programme, marked cancelled."""
        self.written_instance = session = session_cancel(session=self.get_object())
        return Response(self.get_serializer(session).data)


class AgendaChoiceSerializer(StrictFieldsMixin, serializers.Serializer):
    session = serializers.CharField(max_length=32, help_text="The code of a session the caller may see.")


class MyAgendaViewSet(MyRegistrationMixin, viewsets.GenericViewSet):
    """The caller's agenda: the sessions whose audience expects them (every participant,
    every member delegation, them, their delegation or role), and those they added.

    ``POST`` ``{"session": code}`` adds a session they may see (404 if they may not, 409 if
    it is cancelled); ``DELETE me/agenda/{code}/`` takes out one they added (409 for one
    their audience expects them at)."""

    serializer_class = SessionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = SessionFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Z0-9-]+"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return AgendaChoiceSerializer if self.action == "create" else SessionSerializer

    def _participant_principal(self) -> Principal:
        self.my_participant()  # 404 unless a participant
        return self.principal

    def get_queryset(self) -> QuerySet[Session]:
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        self.my_participant()  # 404 unless a participant
        return _with_relations(sessions_expecting(self.principal)).order_by("start", "code")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=AgendaChoiceSerializer, responses={201: SessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        principal = self._participant_principal()
        data = AgendaChoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = agenda_add(principal=principal, code=data.validated_data["session"])
        session = _with_relations(Session.objects.filter(pk=session.pk)).get()
        return Response(SessionSerializer(session, context=self.get_serializer_context()).data, status=201)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agenda_remove(principal=self._participant_principal(), code=kwargs["code"])
        return Response(status=204)


class PublishView(EventMixin, APIView):
    """Preview (GET) and publish (POST) the working schedule as the next version."""

    permission_classes = [OrganizersOnly]

    @extend_schema(
        responses=inline_serializer(
            "PublishPreview",
            {
                "changes": serializers.DictField(child=serializers.ListField(child=serializers.DictField())),
                "warnings": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "changes": schedule_changes(event=self.event),
                "warnings": [w.as_dict() for w in warnings_for_schedule(event=self.event)],
            }
        )

    @extend_schema(request=PublishSerializer, responses={201: ScheduleVersionSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = schedule_publish(
            event=self.event,
            note=data.validated_data.get("note", ""),
            actor=request.user,
            confirm_warnings=data.validated_data["confirm_warnings"],
        )
        context = {"request": request, "event": self.event, "principal": self.principal}
        return Response(ScheduleVersionSerializer(version, context=context).data, status=201)


class ScheduleVersionViewSet(EventMixin, viewsets.ReadOnlyModelViewSet):
    """Published versions of the programme, newest first, each with its changes."""

    serializer_class = ScheduleVersionSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[ScheduleVersion]:
        if getattr(self, "swagger_fake_view", False):
            return ScheduleVersion.objects.none()
        return versions_of_event(event=self.event)


class ChangesView(EventMixin, APIView):
    """What changed in the published programme after version ``since``, oldest first."""

    @extend_schema(
        parameters=[OpenApiParameter("since", int, required=False, description="A version number (default 0).")],
        responses=inline_serializer(
            "Changes",
            {
                "since": serializers.IntegerField(),
                "version": serializers.IntegerField(allow_null=True),
                "changes": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.query_params.get("since", "0")
        # Bounded before int(): 5,000 digits would overflow the database's integer.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= VERSION_NUMBER_MAX):
            raise exceptions.ValidationError({"since": ["Enter a version number."]})
        since = int(raw)
        versions = list(versions_of_event(event=self.event).filter(number__gt=since).order_by("number"))
        latest = self.event.versions.order_by("-number").values_list("number", flat=True).first()
        return Response(
            {"since": since, "version": latest, "changes": change_entries_visible_to(self.principal, versions)}
        )


class ConflictsView(EventMixin, APIView):
    """Every warning of the working schedule, in the caller's language."""

    permission_classes = [OrganizersOnly]

    @extend_schema(
        responses=inline_serializer("Conflicts", {"warnings": serializers.ListField(child=serializers.DictField())})
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"warnings": [w.as_dict() for w in warnings_for_schedule(event=self.event)]})


class AuditEntryViewSet(EventMixin, viewsets.ReadOnlyModelViewSet):
    """The schedule's audit log, newest first: who changed what, when, through what."""

    serializer_class = AuditEntrySerializer
    permission_classes = [OrganizersOnly]
    filterset_fields = ["code", "action", "channel"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        return audit_entries_of_event(event=self.event)
