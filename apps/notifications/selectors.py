"""Reads of the notifications app: who a session expects, what a participant wants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from apps.delegations.models import Participant
from apps.events.models import Event
from apps.programme.models import Session

from .enums import Channel
from .models import ReminderPreference


@dataclass(frozen=True)
class Audience:
    """Whom a session expects: named participants, whole delegations, every holder of a role."""

    participants: frozenset[int] = frozenset()
    delegations: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()

    @classmethod
    def of_session(cls, session: Session) -> Audience:
        """``session`` needs ``participants`` and ``delegations`` prefetched."""
        return cls(
            participants=frozenset(p.pk for p in session.participants.all()),
            delegations=frozenset(d.pk for d in session.delegations.all()),
            roles=frozenset(session.roles),
        )

    @classmethod
    def of_state(cls, state: Mapping[str, Any] | None) -> Audience:
        """From a state recorded by a version (``session_state``); ``None`` expects nobody."""
        if not state:
            return cls()
        return cls(
            participants=frozenset(state.get("participants", ())),
            delegations=frozenset(state.get("delegations", ())),
            roles=frozenset(state.get("roles", ())),
        )

    def expects(self, participant: Participant) -> bool:
        return (
            participant.pk in self.participants
            or (participant.delegation_id is not None and participant.delegation_id in self.delegations)
            or participant.role in self.roles
        )


def expected_participant_ids(*, event: Event, audiences: Mapping[str, Audience]) -> dict[str, set[int]]:
    """For each key of ``audiences``, the ids of the event's active participants it expects.

    One query for all of them, however many sessions and people.
    """
    named = set().union(*(a.participants for a in audiences.values()))
    delegations = set().union(*(a.delegations for a in audiences.values()))
    roles = set().union(*(a.roles for a in audiences.values()))
    if not (named or delegations or roles):
        return {key: set() for key in audiences}
    rows = (
        Participant.objects.filter(event=event, is_active=True)
        .filter(Q(pk__in=named) | Q(delegation_id__in=delegations) | Q(role__in=roles))
        .values_list("pk", "delegation_id", "role")
    )
    active: set[int] = set()
    by_delegation: dict[int, set[int]] = defaultdict(set)
    by_role: dict[str, set[int]] = defaultdict(set)
    for pk, delegation_id, role in rows:
        active.add(pk)
        if delegation_id is not None:
            by_delegation[delegation_id].add(pk)
        by_role[role].add(pk)
    expected: dict[str, set[int]] = {}
    for key, audience in audiences.items():
        ids = audience.participants & active
        for delegation_id in audience.delegations:
            ids |= by_delegation.get(delegation_id, set())
        for role in audience.roles:
            ids |= by_role.get(role, set())
        expected[key] = ids
    return expected


@dataclass(frozen=True)
class Wishes:
    """What one participant wants, with the event's defaults filled in."""

    email: str
    language: str
    lead_minutes: tuple[int, ...]
    channels: tuple[str, ...]
    digest_hour: int | None

    @property
    def by_email(self) -> bool:
        return bool(self.email) and Channel.EMAIL in self.channels


def wishes_of(participant: Participant, preference: ReminderPreference | None, event: Event) -> Wishes:
    if preference is None:
        return Wishes(
            participant.email, participant.language, tuple(event.reminder_lead_minutes), (Channel.EMAIL,), None
        )
    leads = event.reminder_lead_minutes if preference.lead_minutes is None else preference.lead_minutes
    return Wishes(
        participant.email, participant.language, tuple(leads), tuple(preference.channels), preference.digest_hour
    )


def wishes_by_participant(*, event: Event, participant_ids: Iterable[int] | None = None) -> dict[int, Wishes]:
    """Active participants' wishes, by id: one query (the preference is joined)."""
    participants = Participant.objects.filter(event=event, is_active=True).select_related("reminder_preference")
    if participant_ids is not None:
        participants = participants.filter(pk__in=list(participant_ids))
    wishes = {}
    for participant in participants.only(
        "pk",
        "email",
        "language",
        "delegation_id",
        "role",
        "reminder_preference__lead_minutes",
        "reminder_preference__channels",
        "reminder_preference__digest_hour",
    ):
        preference = getattr(participant, "reminder_preference", None)
        wishes[participant.pk] = wishes_of(participant, preference, event)
    return wishes


def lead_minutes_in_use(*, event: Event) -> set[int]:
    """Every lead time someone at the event wants: the defaults and each participant's own."""
    leads = set(event.reminder_lead_minutes)
    own = ReminderPreference.objects.filter(participant__event=event, lead_minutes__isnull=False)
    for value in own.values_list("lead_minutes", flat=True).distinct():
        leads.update(value)
    return leads


def preference_of(participant: Participant) -> ReminderPreference | None:
    return ReminderPreference.objects.filter(participant=participant).first()
