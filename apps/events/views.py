from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request

from apps.accounts.idempotency import IdempotentCreateMixin
from apps.kernel.api import LanguageContextMixin
from apps.kernel.conditional import ConditionalMixin

from .api import EventResourceViewSet
from .models import Event, Room, Venue
from .selectors import events_listed, rooms_of_event, venues_of_event
from .serializers import EventSerializer, RoomSerializer, VenueSerializer
from .services import event_create, event_update, room_save, venue_save


class EventWrites(permissions.BasePermission):
    """Anyone reads; users allowed to add events create them; an event's organizers change it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return view.action != "create" or request.user.has_perm("events.add_event")

    def has_object_permission(self, request: Request, view: Any, obj: Event) -> bool:
        return request.method in permissions.SAFE_METHODS or obj.is_organizer(request.user)


class EventViewSet(LanguageContextMixin, ConditionalMixin, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Events (assemblies), addressed by slug."""

    serializer_class = EventSerializer
    permission_classes = [EventWrites]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    search_fields = ["slug"]

    def get_queryset(self) -> QuerySet[Event]:
        return events_listed()

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # The event's own answer carries its feeds per day, room and kind; lists leave them out.
        context["with_feeds"] = self.action in {"retrieve", "create", "update", "partial_update"}
        return context

    def perform_create(self, serializer: serializers.BaseSerializer[Event]) -> None:
        self.written_instance = serializer.instance = event_create(
            data=serializer.validated_data, creator=self.request.user
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Event]) -> None:
        event = cast(Event, serializer.instance)  # an update's serializer holds the event it changes
        self.written_instance = serializer.instance = event_update(event=event, data=serializer.validated_data)


class VenueViewSet(EventResourceViewSet):
    """Venues of the event."""

    serializer_class = VenueSerializer

    def visible_queryset(self) -> QuerySet[Venue]:
        return venues_of_event(event=self.event).order_by("name")

    def save_object(self, instance: Venue | None, data: dict[str, Any]) -> Venue:
        return venue_save(venue=instance or Venue(event=self.event), data=data)


class RoomViewSet(EventResourceViewSet):
    """Rooms of the event's venues."""

    serializer_class = RoomSerializer
    filterset_fields = ["venue", "kind"]

    def visible_queryset(self) -> QuerySet[Room]:
        return rooms_of_event(event=self.event).order_by("venue__name", "name")

    def save_object(self, instance: Room | None, data: dict[str, Any]) -> Room:
        return room_save(room=instance or Room(), data=data)
