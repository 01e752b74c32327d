"""Writes to events, venues and rooms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from apps.kernel.persistence import validated_save

from .models import Event, Room, Venue


@transaction.atomic
def event_create(*, data: Mapping[str, Any], creator: Any | None) -> Event:
    """Create an event; its creator becomes its first organizer. An event loaded from a
    bundle has no creator (``None``), hence no organizer until one is added. Raises
    ``ValidationError`` (the model's rules)."""
    event = validated_save(Event(), data=data)
    if creator is not None:
        event.organizers.add(creator)
    return event


def event_update(*, event: Event, data: Mapping[str, Any]) -> Event:
    """Change an event. Raises ``ValidationError`` (the model's rules)."""
    return validated_save(event, data=data)


def venue_save(*, venue: Venue, data: Mapping[str, Any]) -> Venue:
    """Create (``venue`` unsaved) or change a venue. Raises ``ValidationError``."""
    return validated_save(venue, data=data)


def room_save(*, room: Room, data: Mapping[str, Any]) -> Room:
    """Create (``room`` unsaved) or change a room. The room's venue must be of the event.
    Raises ``ValidationError``."""
    return validated_save(room, data=data)
