"""Reads of events, venues and rooms."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Event


def events_listed() -> QuerySet[Event]:
    """Every event: an event's existence is public; what it holds follows the visibility rule."""
    return Event.objects.all()
