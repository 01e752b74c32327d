"""iCalendar feeds built from fragments: each session's VEVENT is rendered with `icalendar`
once per (published state of the session, language) and cached; a feed is a header, the
VTIMEZONE and the fragments, joined. docs/calendar.md says which rules they follow, and why."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import icalendar
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import gettext

from apps.events.models import Event
from apps.kernel import i18n
from apps.kernel.text import multi_line, single_line
from apps.programme.enums import SessionStatus
from apps.programme.models import Session

PRODID = "-//gaplanner//calendar feeds//EN"
REFRESH = "PT1H"
FRAGMENT_TIMEOUT = 14 * 24 * 3600
# A VTIMEZONE covers the event's days and this margin around them.
ZONE_MARGIN = dt.timedelta(days=60)
STATUSES: dict[str, str] = {
    SessionStatus.CONFIRMED: "CONFIRMED",
    SessionStatus.TENTATIVE: "TENTATIVE",
    SessionStatus.CANCELLED: "CANCELLED",
}


def session_uid(event: Event, session: Session) -> str:
    """The same in every feed and every version: it follows the session's code."""
    return f"{event.slug}-{session.code.lower()}@gaplanner"


def _fragment_key(session: Session, language: str) -> str:
    return f"feeds:vevent:2:{session.pk}:{session.updated_at.timestamp():.6f}:{session.sequence}:{language}"


def render_vevent(session: Session, *, event: Event, language: str, site_url: str) -> bytes:
    """One session as a VEVENT in ``language``. ``session`` needs its room and venue loaded.
    Stored text is written through :mod:`apps.kernel.text`'s output cleaning, so that text no
    validation checked (older rows, bulk updates) never breaks a line of the calendar."""
    title = single_line(i18n.pick(session.title, language, [event.default_language]))
    vevent = icalendar.Event()
    stamp = session.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    vevent.add("uid", session_uid(event, session))
    vevent.add("dtstamp", stamp)
    vevent.add("last-modified", stamp)
    vevent.add("sequence", session.sequence)
    vevent.add("dtstart", session.start.astimezone(event.zone))
    vevent.add("dtend", session.end.astimezone(event.zone))
    if session.status == SessionStatus.CANCELLED:
        # Outlook ignores STATUS:CANCELLED: the title says it too, in the feed's language.
        with translation.override(language):
            title = gettext("Cancelled: %(title)s") % {"title": title}
        vevent.add("transp", "TRANSPARENT")
    vevent.add("summary", title)
    description = multi_line(i18n.pick(session.description, language, [event.default_language]))
    if description:
        vevent.add("description", description)
    room = session.room if session.room_id else None
    if room is not None:
        vevent.add("location", single_line(f"{room.name}, {room.venue.name}"))
    vevent.add("url", f"{site_url}{reverse('web:session', kwargs={'event_slug': event.slug, 'code': session.code})}")
    with translation.override(language):
        vevent.add("categories", [str(session.get_kind_display())])
    vevent.add("status", STATUSES.get(session.status, "CONFIRMED"))
    return vevent.to_ical()


def fragments(sessions: Sequence[Session], *, event: Event, language: str, site_url: str) -> list[tuple[str, bytes]]:
    """``(key, VEVENT)`` for each session, from the cache where rendered before."""
    keys = [_fragment_key(session, language) for session in sessions]
    cached = cache.get_many(keys)
    missing = {}
    for key, session in zip(keys, sessions, strict=True):
        if key not in cached:
            missing[key] = render_vevent(session, event=event, language=language, site_url=site_url)
    if missing:
        cache.set_many(missing, FRAGMENT_TIMEOUT)
    return [(key, cached.get(key) or missing[key]) for key in keys]


def vtimezone(event: Event) -> bytes:
    """The event zone's VTIMEZONE from the pinned tz data, for a window around its days.

    Written from the zone's own transitions (found by scanning the window day by day, then to
    the minute), because `icalendar`'s generator misses some of Casablanca's Ramadan switches,
    which parsers that read the VTIMEZONE (ical.js, libical) would then place an hour wrong.
    """
    first, last = event.start_date - ZONE_MARGIN, event.end_date + ZONE_MARGIN
    key = f"feeds:vtimezone:2:{event.timezone}:{first}:{last}"
    body = cache.get(key)
    if body is None:
        body = _vtimezone(event.zone, event.timezone, first, last)
        cache.set(key, body, None)
    return body


def _offset(value: dt.timedelta | None) -> str:
    minutes = int((value or dt.timedelta(0)).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(zone: dt.tzinfo, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC instants in [begin, end) at which the zone's offset changes."""
    found = []
    step = dt.timedelta(days=1)
    moment = begin
    while moment < end:
        following = min(moment + step, end)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = moment, following
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment = following
    return found


def _vtimezone(zone: dt.tzinfo, tzid: str, first: dt.date, last: dt.date) -> bytes:
    begin = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last, dt.time(), dt.UTC)
    component = icalendar.Timezone()
    component.add("tzid", tzid)

    def observance(onset_utc: dt.datetime, before: dt.timedelta | None) -> None:
        local = onset_utc.astimezone(zone)
        kind = (
            icalendar.TimezoneDaylight
            if (local.dst() or dt.timedelta(0)) > dt.timedelta(0)
            else icalendar.TimezoneStandard
        )
        part = kind()
        # DTSTART is the onset as read on the clock before it (TZOFFSETFROM).
        part.add("dtstart", (onset_utc + (before or dt.timedelta(0))).replace(tzinfo=None))
        part.add("tzoffsetfrom", before or dt.timedelta(0))
        part.add("tzoffsetto", local.utcoffset() or dt.timedelta(0))
        if local.tzname():
            part.add("tzname", local.tzname())
        component.add_component(part)

    observance(begin, begin.astimezone(zone).utcoffset())
    for instant in _transitions(zone, begin, end):
        observance(instant, (instant - dt.timedelta(minutes=1)).astimezone(zone).utcoffset())
    return component.to_ical()


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: dt.datetime | None
    # Written once here rather than on every request that serves the cached feed.
    last_modified_header: str = ""


def render_feed(
    *, name: str, event: Event, sessions: Sequence[Session], language: str, site_url: str, description: str = ""
) -> RenderedFeed:
    """The calendar: header, VTIMEZONE, then one VEVENT per session. The ETag is derived
    from what went in, so it changes when a session changes, joins or leaves the feed.
    ``name`` is written on one line, whatever it holds (a participant's or room's name);
    ``description``, if any, as the calendar's ``DESCRIPTION`` and ``X-WR-CALDESC``."""
    name = single_line(name)
    header = icalendar.Calendar()
    header.add("version", "2.0")
    header.add("prodid", PRODID)
    header.add("calscale", "GREGORIAN")
    header.add("name", name)
    header.add("x-wr-calname", name)
    header.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    header.add("x-published-ttl", REFRESH)
    if description:
        # RFC 7986's property, and the older one Apple and Outlook show. The X- property is
        # written raw, as X-WR-CALNAME is: ical.js and icalendar read X- values unescaped.
        header.add("description", single_line(description))
        header.add("x-wr-caldesc", single_line(description))
    head = header.to_ical().removesuffix(b"END:VCALENDAR\r\n")
    parts = fragments(sessions, event=event, language=language, site_url=site_url)
    body = b"".join([head, vtimezone(event), *(fragment for _key, fragment in parts), b"END:VCALENDAR\r\n"])
    digest = hashlib.sha256(body).hexdigest()[:40]
    last = max((s.updated_at for s in sessions), default=None)
    header_value = http_date(last.timestamp()) if last else ""
    return RenderedFeed(body=body, etag=f'"{digest}"', last_modified=last, last_modified_header=header_value)
