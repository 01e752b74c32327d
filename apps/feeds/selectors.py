"""Which sessions each feed holds: always the last published version, through the one
visibility rule (``sessions_visible_to`` and ``sessions_expecting``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.programme.models import Session
from apps.programme.selectors import sessions_expecting, sessions_of_delegation, sessions_visible_to

# Calendar clients slow down or give up past this (docs/calendar.md).
MAX_EVENTS = 1000


def _for_feed(sessions: QuerySet[Session]) -> list[Session]:
    """At most MAX_EVENTS sessions, in order, with what a VEVENT needs. Past the limit, the
    sessions nearest to now are kept: those to come, then the latest of those that ended."""
    sessions = sessions.select_related("room__venue").order_by("start", "code")
    if sessions.count() <= MAX_EVENTS:
        return list(sessions)
    now = timezone.now()
    kept = list(sessions.filter(end__gte=now)[:MAX_EVENTS])
    if len(kept) < MAX_EVENTS:
        kept = list(sessions.filter(end__lt=now).order_by("-start", "-code")[: MAX_EVENTS - len(kept)])[::-1] + kept
    return kept


def public_feed_sessions(*, event: Event, room_id: int | None = None, kind: str | None = None) -> list[Session]:
    """The public programme (as an anonymous visitor sees it), or one room's or kind's part."""
    sessions = sessions_visible_to(Principal(event=event))
    if room_id is not None:
        sessions = sessions.filter(room_id=room_id)
    if kind is not None:
        sessions = sessions.filter(kind=kind)
    return _for_feed(sessions)


def personal_feed_sessions(*, participant: Participant) -> list[Session]:
    """The published sessions the participant is expected at (never the working schedule,
    even for a participant who also organizes)."""
    return _for_feed(sessions_expecting(Principal(event=participant.event, participant=participant)))


def delegation_feed_sessions(*, delegation: Delegation) -> list[Session]:
    """The published sessions any active member of the delegation is expected at."""
    return _for_feed(sessions_of_delegation(delegation=delegation))
