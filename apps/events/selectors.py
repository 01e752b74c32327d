"""Reads of events, venues and rooms."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Event, Room, Venue


def events_listed() -> QuerySet[Event]:
    """Every event: an event's existence is public; what it holds follows the visibility rule."""
    return Event.objects.all()


def venues_of_event(*, event: Event) -> QuerySet[Venue]:
    return Venue.objects.filter(event=event)


def rooms_of_event(*, event: Event) -> QuerySet[Room]:
    return Room.objects.filter(venue__event=event).select_related("venue")
