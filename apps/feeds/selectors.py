"""Which sessions each feed holds: always the last published version, through the one
visibility rule (``sessions_visible_to`` and ``sessions_expecting``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.programme.models import Session
from apps.programme.selectors import sessions_expecting, sessions_of_delegation, sessions_on_day, sessions_visible_to


@dataclass(frozen=True)
class FeedSessions:
    """The sessions a feed holds, in order, and how many it would hold without the cap."""

    sessions: list[Session]
    total: int

    @property
    def is_partial(self) -> bool:
        return len(self.sessions) < self.total


def _for_feed(sessions: QuerySet[Session]) -> FeedSessions:
    """At most ``settings.FEED_MAX_EVENTS`` sessions, in order, with what a VEVENT needs. Past
    the limit, the sessions nearest to now are kept: those to come, then the latest of those
    that ended. Costs one query, and two more for a feed past the limit."""
    limit = settings.FEED_MAX_EVENTS
    sessions = sessions.select_related("room__venue").order_by("start", "code")
    total = sessions.count()
    if total <= limit:
        return FeedSessions(sessions=list(sessions), total=total)
    now = timezone.now()
    kept = list(sessions.filter(end__gte=now)[:limit])
    if len(kept) < limit:
        kept = list(sessions.filter(end__lt=now).order_by("-start", "-code")[: limit - len(kept)])[::-1] + kept
    return FeedSessions(sessions=kept, total=total)


def public_feed_sessions(
    *, event: Event, room_id: int | None = None, kind: str | None = None, day: dt.date | None = None
) -> FeedSessions:
    """The public programme (as an anonymous visitor sees it), or one room's, kind's or
    local day's part (the sessions that overlap the day, as the programme page shows it)."""
    sessions = sessions_visible_to(Principal(event=event))
    if room_id is not None:
        sessions = sessions.filter(room_id=room_id)
    if kind is not None:
        sessions = sessions.filter(kind=kind)
    if day is not None:
        sessions = sessions_on_day(sessions, event=event, day=day)
    return _for_feed(sessions)


def personal_feed_sessions(*, participant: Participant) -> FeedSessions:
    """The published sessions the participant is expected at (never the working schedule,
    even for a participant who also organizes)."""
    return _for_feed(sessions_expecting(Principal(event=participant.event, participant=participant)))


def delegation_feed_sessions(*, delegation: Delegation) -> FeedSessions:
    """The published sessions any active member of the delegation is expected at."""
    return _for_feed(sessions_of_delegation(delegation=delegation))
