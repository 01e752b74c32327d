"""Reads about who the caller is within an event."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.events.models import Event

from .enums import Role
from .models import Delegation, Participant


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


def participants_visible_to(principal: Principal) -> QuerySet[Participant]:
    """Organizers see every participant of the event; a head of delegation sees their
    delegation's; a participant sees themself; anyone else, nobody."""
    participants = Participant.objects.filter(event=principal.event)
    if principal.is_organizer:
        return participants
    me = principal.participant
    if me is None:
        return participants.none()
    if me.role == Role.HEAD and me.delegation_id:
        return participants.filter(delegation=me.delegation_id)
    return participants.filter(pk=me.pk)


def participants_matching(participants: QuerySet[Participant], text: str) -> QuerySet[Participant]:
    """Those whose first or last name or e-mail address contains ``text`` (any case)."""
    return participants.filter(Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text))


def event_slug_to_open(*, user: object) -> str | None:
    """The event of the user's latest active registration: where their agenda is."""
    return (
        Participant.objects.filter(user=user, is_active=True)
        .order_by("-event__start_date")
        .values_list("event__slug", flat=True)
        .first()
    )


def delegations_listed(*, event: Event) -> QuerySet[Delegation]:
    """Every delegation of the event: who takes part in an assembly is public."""
    return Delegation.objects.filter(event=event)
