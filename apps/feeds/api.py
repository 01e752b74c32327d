"""The caller's feeds in the API: their links, and a new link when one has leaked."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.delegations.api import MyRegistrationMixin
from apps.delegations.selectors import participants_visible_to

from .services import feed_rotate, participant_feed, participant_feed_links

FEEDS = inline_serializer(
    "FeedLinks",
    {"personal": serializers.DictField(), "delegation": serializers.DictField(required=False)},
)


class MyFeedsView(MyRegistrationMixin, APIView):
    """The caller's calendar feeds for the event (https, webcal and Google links)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FEEDS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(participant_feed_links(self.my_participant()))


class RotateFeedView(MyRegistrationMixin, APIView):
    """A new link for a personal feed; the old one answers 410 Gone. The participant rotates
    their own (``me/feeds/rotate/``); organizers and heads of delegation those of their people."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=FEEDS)
    def post(self, request: Request, *args: Any, participant_id: int | None = None, **kwargs: Any) -> Response:
        if participant_id is None:
            participant = self.my_participant()
        else:
            # A head of delegation sees only their own delegation's people.
            participant = get_object_or_404(participants_visible_to(self.principal), pk=participant_id)
            principal = self.principal
            may = principal.is_organizer or participant == principal.participant or principal.is_head
            if not may:
                self.permission_denied(request)
        feed_rotate(feed=participant_feed(participant=participant))
        return Response(participant_feed_links(participant))
