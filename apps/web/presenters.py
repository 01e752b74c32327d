"""Sessions as pages show them: text in the reader's language, times in the event's zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import get_language

from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.kernel.timezones import format_offset, local_day_bounds
from apps.programme.enums import SessionStatus
from apps.programme.models import Session


@dataclass(frozen=True)
class SessionView:
    session: Session
    title: str
    description: str
    start: dt.datetime
    end: dt.datetime
    offset: str
    languages: list[str]

    @property
    def spans_days(self) -> bool:
        return self.start.date() != self.end.date()


def session_view(session: Session, event: Event) -> SessionView:
    language = get_language()
    start = session.start.astimezone(event.zone)
    return SessionView(
        session=session,
        title=i18n.pick(session.title, language, [event.default_language]),
        description=i18n.pick(session.description, language, [event.default_language]),
        start=start,
        end=session.end.astimezone(event.zone),
        offset=format_offset(start),
        languages=[i18n.language_name(code) for code in session.languages],
    )


@dataclass(frozen=True)
class RoomColumn:
    room: Room | None
    sessions: list[SessionView]


def sessions_by_room(views: list[SessionView]) -> list[RoomColumn]:
    """Sessions grouped by room (rooms by venue and name), those without a room last."""
    columns: dict[int | None, list[SessionView]] = {}
    rooms: dict[int | None, Room | None] = {}
    for view in views:
        columns.setdefault(view.session.room_id, []).append(view)
        rooms[view.session.room_id] = view.session.room
    placed = sorted(
        ((key, room) for key, room in rooms.items() if room is not None),
        key=lambda item: (item[1].venue.name, item[1].name),
    )
    ordered: list[int | None] = [key for key, _room in placed]
    if None in columns:
        ordered.append(None)
    return [RoomColumn(room=rooms[key], sessions=columns[key]) for key in ordered]


def sessions_by_day(views: list[SessionView]) -> list[tuple[dt.date, list[SessionView]]]:
    """Sessions by the event's local day they start on, days in order."""
    days: dict[dt.date, list[SessionView]] = {}
    for view in views:
        days.setdefault(view.start.date(), []).append(view)
    return sorted(days.items())


@dataclass(frozen=True)
class NowAndNext:
    now: list[SessionView]
    next: list[SessionView]


# "Next" is what begins within this much time, or else whatever begins first after now.
NEXT_WINDOW = dt.timedelta(hours=1)


def now_and_next(views: list[SessionView], now: dt.datetime) -> NowAndNext:
    """What is on at ``now`` and what begins next, leaving out cancelled sessions."""
    held = [view for view in views if view.session.status != SessionStatus.CANCELLED]
    running = [view for view in held if view.session.start <= now < view.session.end]
    upcoming = [view for view in held if view.session.start > now]
    if not upcoming:
        return NowAndNext(now=running, next=[])
    horizon = max(now + NEXT_WINDOW, min(view.session.start for view in upcoming))
    return NowAndNext(now=running, next=[view for view in upcoming if view.session.start <= horizon])


def day_context(event: Event, day: dt.date) -> dict[str, object]:
    """What every page of one event day shows: the event's name, the days to move between, and
    the day's offset written out."""
    begins, _ends = local_day_bounds(day, event.zone)
    return {
        "event": event,
        "event_name": event.display_name(get_language()),
        "day": day,
        "days": event.days,
        "day_offset": format_offset(begins.astimezone(event.zone)),
    }
