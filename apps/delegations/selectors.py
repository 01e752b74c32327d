"""Reads about who the caller is within an event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from apps.events.models import Event

from .enums import Role
from .models import Delegation, Participant

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


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

    @property
    def is_head(self) -> bool:
        """Whether the caller heads a delegation of the event: their active registration has
        the role of head and a delegation. Being an organizer does not make one a head."""
        me = self.participant
        return me is not None and me.is_active and me.role == Role.HEAD and me.delegation_id is not None

    def is_head_of(self, delegation: Delegation) -> bool:
        """Whether the caller heads ``delegation`` (see :attr:`is_head`)."""
        me = self.participant
        return self.is_head and me is not None and me.delegation_id == delegation.pk


def principal_for(*, user: User | AnonymousUser, event: Event) -> Principal:
    """The principal of ``user`` (anonymous included) for ``event``."""
    if not user.is_authenticated:
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
    if principal.is_head:
        return participants.filter(delegation=me.delegation_id)
    return participants.filter(pk=me.pk)


def participants_matching(participants: QuerySet[Participant], text: str) -> QuerySet[Participant]:
    """Those whose first or last name or e-mail address contains ``text`` (any case)."""
    return participants.filter(Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text))


def event_slug_to_open(*, user: User) -> str | None:
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
