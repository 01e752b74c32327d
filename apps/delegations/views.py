from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.events.api import EventResourceViewSet, OrganizerWrites
from apps.kernel.conditional import etag_for

from .api import MyRegistrationMixin
from .filters import DelegationFilter, ParticipantFilter
from .models import Delegation, Participant
from .selectors import delegations_listed, participants_visible_to
from .serializers import DelegationSerializer, ParticipantSerializer, ProfileSerializer
from .services import delegation_save, participant_save


class DelegationViewSet(EventResourceViewSet):
    """Delegations of member countries and observer organisations."""

    serializer_class = DelegationSerializer
    filterset_class = DelegationFilter

    def visible_queryset(self) -> QuerySet[Delegation]:
        return delegations_listed(event=self.event).order_by("country", "id")

    def save_object(self, instance: Delegation | None, data: dict[str, Any]) -> Delegation:
        return delegation_save(delegation=instance or Delegation(event=self.event), data=data)


class HeadsManageTheirDelegation(OrganizerWrites):
    """Organizers change every participant; a head of delegation their own delegation's."""

    def may_write(self, request: Request, view: Any) -> bool:
        return bool(view.principal.is_organizer or view.principal.is_head)


class ParticipantViewSet(EventResourceViewSet):
    """Participants: organizers see all, heads their delegation, participants themselves."""

    serializer_class = ParticipantSerializer
    filterset_class = ParticipantFilter
    permission_classes = [HeadsManageTheirDelegation]

    def visible_queryset(self) -> QuerySet[Participant]:
        return participants_visible_to(self.principal).order_by("last_name", "first_name", "id")

    def save_object(self, instance: Participant | None, data: dict[str, Any]) -> Participant:
        participant = instance or Participant(event=self.event)
        if not self.principal.is_organizer:
            # A head adds and edits people of their own delegation only.
            data["delegation"] = self.principal.participant.delegation
        return participant_save(participant=participant, data=data)


class MyProfileView(MyRegistrationMixin, viewsets.GenericViewSet):
    """The caller's own registration for the event."""

    serializer_class = ProfileSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self) -> Participant:
        return self.my_participant()

    @extend_schema(responses=ProfileSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        participant = self.get_object()
        return Response(self.get_serializer(participant).data, headers={"ETag": etag_for(participant)})

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        participant = self.get_object()
        serializer = self.get_serializer(participant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        participant = participant_save(participant=participant, data=dict(serializer.validated_data))
        return Response(self.get_serializer(participant).data, headers={"ETag": etag_for(participant)})
