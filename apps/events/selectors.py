"""Reads of events, venues and rooms."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Event, Room


def events_listed() -> QuerySet[Event]:
    """Every event: an event's existence is public; what it holds follows the visibility rule."""
    return Event.objects.all()


def rooms_of_event(*, event: Event) -> QuerySet[Room]:
    return Room.objects.filter(venue__event=event).select_related("venue")
