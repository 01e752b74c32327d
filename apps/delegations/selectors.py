"""Reads about who the caller is within an event."""

from __future__ import annotations

from dataclasses import dataclass

from apps.events.models import Event

from .models import Participant


@dataclass(frozen=True)
class Principal:
    """Who is asking, as far as one event's visibility rules are concerned.

    ``participant`` is the caller's active registration for the event, if any.
    """

    event: Event
    is_organizer: bool = False
    participant: Participant | None = None

    @property
    def is_participant(self) -> bool:
        return self.participant is not None


def principal_for(*, user: object, event: Event) -> Principal:
    """The principal of ``user`` (anonymous included) for ``event``."""
    if not getattr(user, "is_authenticated", False):
        return Principal(event=event)
    participant = (
        Participant.objects.select_related("delegation").filter(event=event, user=user, is_active=True).first()
    )
    return Principal(event=event, is_organizer=event.is_organizer(user), participant=participant)
