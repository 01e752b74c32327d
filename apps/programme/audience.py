"""Who a session expects, many sessions and people at once: the set-based side of the agenda.

The agenda has one rule, written for the two directions it is read in:

- for one participant, the sessions they are expected at: :func:`apps.programme.selectors.sessions_expecting`
  (a query);
- for many sessions, the participants each expects: :class:`Audience` and
  :func:`expected_participant_ids` here (one query for all of them), used by reminders,
  change notices and their checks at send time, where a query per person would not hold at
  100,000 participants.

A participant is expected at a session whose audience is every participant of the event
(``for_everyone``), every member delegation (``for_member_delegations``, when theirs is a
member), names them, their delegation or their role; and at a session they added to their
own agenda (:class:`~apps.programme.models.AgendaChoice`) while it is not cancelled and they
may see it. A participant who may see a restricted session is in its audience already, so
"may see" for a saved session comes down to "it is not restricted".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from apps.delegations.enums import DelegationKind
from apps.delegations.models import Participant
from apps.events.models import Event

from .enums import SessionStatus, Visibility
from .models import AgendaChoice, Session


def saved_choice_counts(*, status: str, visibility: str) -> bool:
    """Whether a session added to someone's agenda is in it, given the session's state.

    Cancelled sessions leave the agenda; a restricted one stays only for its audience, who
    are expected there anyway.
    """
    return status != SessionStatus.CANCELLED and visibility != Visibility.RESTRICTED


@dataclass(frozen=True)
class Audience:
    """Whom a session expects: everyone, every member delegation, named participants, whole
    delegations, every holder of a role, and those who added it to their agenda (``savers``,
    kept only while :func:`saved_choice_counts`)."""

    participants: frozenset[int] = frozenset()
    delegations: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    everyone: bool = False
    member_delegations: bool = False
    savers: frozenset[int] = frozenset()

    @classmethod
    def of_session(cls, session: Session, *, savers: Collection[int] = ()) -> Audience:
        """``session`` needs ``participants`` and ``delegations`` prefetched; ``savers`` are
        the ids of the participants who added it to their agenda (:func:`savers_by_code`)."""
        counts = saved_choice_counts(status=session.status, visibility=session.visibility)
        return cls(
            participants=frozenset(p.pk for p in session.participants.all()),
            delegations=frozenset(d.pk for d in session.delegations.all()),
            roles=frozenset(session.roles),
            everyone=session.for_everyone,
            member_delegations=session.for_member_delegations,
            savers=frozenset(savers) if counts else frozenset(),
        )

    @classmethod
    def of_state(cls, state: Mapping[str, Any] | None, *, savers: Collection[int] = ()) -> Audience:
        """From a state recorded by a version (``session_state``); ``None`` expects nobody.
        States recorded before the audience flags existed expect no one through them."""
        if not state:
            return cls()
        counts = saved_choice_counts(status=state.get("status", ""), visibility=state.get("visibility", ""))
        return cls(
            participants=frozenset(state.get("participants", ())),
            delegations=frozenset(state.get("delegations", ())),
            roles=frozenset(state.get("roles", ())),
            everyone=bool(state.get("for_everyone")),
            member_delegations=bool(state.get("for_member_delegations")),
            savers=frozenset(savers) if counts else frozenset(),
        )

    def expects(self, participant: Participant) -> bool:
        """Reads ``participant.delegation`` only for a member-delegations audience."""
        if self.everyone or participant.role in self.roles or participant.pk in self.participants | self.savers:
            return True
        if participant.delegation_id is None:
            return False
        if participant.delegation_id in self.delegations:
            return True
        if not self.member_delegations:
            return False
        delegation = participant.delegation
        return delegation is not None and delegation.kind == DelegationKind.MEMBER


def savers_by_code(*, event: Event, codes: Collection[str]) -> dict[str, set[int]]:
    """For each of ``codes``, the ids of the event's participants who added it to their
    agenda. One query."""
    saved: dict[str, set[int]] = defaultdict(set)
    rows = AgendaChoice.objects.filter(participant__event=event, code__in=list(codes)).values_list(
        "code", "participant_id"
    )
    for code, pid in rows:
        saved[code].add(pid)
    return saved


def _expects_anyone(audience: Audience) -> bool:
    return bool(
        audience.everyone
        or audience.member_delegations
        or audience.participants
        or audience.savers
        or audience.delegations
        or audience.roles
    )


def expected_participants(*, event: Event, audiences: Iterable[Audience]) -> QuerySet[Participant]:
    """The event's active participants whom one of ``audiences`` expects, as a query (for
    set-based writes such as ``INSERT ... SELECT``; the rule of :func:`expected_participant_ids`)."""
    audiences = list(audiences)
    rows = Participant.objects.filter(event=event, is_active=True)
    if any(a.everyone for a in audiences):
        return rows
    named = set().union(*(a.participants | a.savers for a in audiences))
    delegations = set().union(*(a.delegations for a in audiences))
    roles = set().union(*(a.roles for a in audiences))
    rule = Q(pk__in=named) | Q(delegation_id__in=delegations) | Q(role__in=roles)
    if any(a.member_delegations for a in audiences):
        rule |= Q(delegation__kind=DelegationKind.MEMBER)
    return rows.filter(rule)


def expected_participant_ids(*, event: Event, audiences: Mapping[str, Audience]) -> dict[str, AbstractSet[int]]:
    """For each key of ``audiences``, the ids of the event's active participants it expects.

    One query for all of them, however many sessions and people. The set of an audience of
    every participant is shared between the keys that have one: read it, do not change it.
    """
    if not any(_expects_anyone(a) for a in audiences.values()):
        return {key: set() for key in audiences}
    rows = expected_participants(event=event, audiences=audiences.values())
    active: set[int] = set()
    of_members: set[int] = set()
    by_delegation: dict[int, set[int]] = defaultdict(set)
    by_role: dict[str, set[int]] = defaultdict(set)
    for pk, delegation_id, role, kind in rows.values_list("pk", "delegation_id", "role", "delegation__kind"):
        active.add(pk)
        if delegation_id is not None:
            by_delegation[delegation_id].add(pk)
        if kind == DelegationKind.MEMBER:
            of_members.add(pk)
        by_role[role].add(pk)
    expected: dict[str, AbstractSet[int]] = {}
    for key, audience in audiences.items():
        if audience.everyone:
            expected[key] = active
            continue
        ids = (audience.participants | audience.savers) & active
        if audience.member_delegations:
            ids |= of_members
        for delegation_id in audience.delegations:
            ids |= by_delegation.get(delegation_id, set())
        for role in audience.roles:
            ids |= by_role.get(role, set())
        expected[key] = ids
    return expected
