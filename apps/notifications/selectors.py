"""Reads of the notifications app: what a participant wants. Who a session expects is the
programme's rule (``apps.programme.audience``), re-exported here for its readers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from apps.delegations.models import Participant
from apps.events.models import Event
from apps.programme.audience import Audience, expected_participant_ids, savers_by_code

from .enums import Channel
from .models import NOTIFICATIONS_SWEEP, ReminderPreference, SweepRun

__all__ = [
    "Audience",
    "Wishes",
    "expected_participant_ids",
    "lead_minutes_in_use",
    "preference_of",
    "reachable_by_email",
    "savers_by_code",
    "sweep_last_finished",
    "wishes_by_participant",
    "wishes_of",
]


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


def reachable_by_email(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    """Those of ``participants`` whom e-mail reaches (:attr:`Wishes.by_email` as a query):
    an address, and e-mail among their channels, which it is when they chose none."""
    # Channels are a JSON list of Channel values; its text holds '"email"' exactly when the
    # list holds "email" (a containment lookup on JSON is PostgreSQL's only).
    chosen = participants.annotate(_channels=Cast("reminder_preference__channels", TextField()))
    return chosen.exclude(email="").filter(
        Q(reminder_preference__isnull=True) | Q(_channels__contains=f'"{Channel.EMAIL}"')
    )


def lead_minutes_in_use(*, event: Event) -> set[int]:
    """Every lead time someone at the event wants: the defaults and each participant's own."""
    leads = set(event.reminder_lead_minutes)
    own = ReminderPreference.objects.filter(participant__event=event, lead_minutes__isnull=False)
    for value in own.values_list("lead_minutes", flat=True).distinct():
        leads.update(value or ())
    return leads


def preference_of(participant: Participant) -> ReminderPreference | None:
    return ReminderPreference.objects.filter(participant=participant).first()


def sweep_last_finished(*, name: str = NOTIFICATIONS_SWEEP) -> dt.datetime | None:
    """When the sweep ``name`` last finished, or ``None`` if it never has (or not since its
    row was deleted)."""
    return SweepRun.objects.filter(name=name).values_list("finished_at", flat=True).first()
