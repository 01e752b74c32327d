"""iCalendar feeds built from fragments: each session's VEVENT is rendered with `icalendar`
once per (published state of the session, language) and cached; a feed is a header, the
VTIMEZONE and the fragments, joined. See ../shared/CALENDAR.md for the rules followed."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import icalendar
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.events.models import Event
from apps.programme.enums import SessionStatus
from apps.programme.models import Session
from gaplanner import i18n

PRODID = "-//gaplanner//calendar feeds//EN"
REFRESH = "PT1H"
FRAGMENT_TIMEOUT = 14 * 24 * 3600
# A VTIMEZONE covers the event's days and this margin around them.
ZONE_MARGIN = dt.timedelta(days=60)
STATUSES = {
    SessionStatus.CONFIRMED: "CONFIRMED",
    SessionStatus.TENTATIVE: "TENTATIVE",
    SessionStatus.CANCELLED: "CANCELLED",
}


def session_uid(event: Event, session: Session) -> str:
    """The same in every feed and every version: it follows the session's code."""
    return f"{event.slug}-{session.code.lower()}@gaplanner"


def _fragment_key(session: Session, language: str) -> str:
    return f"feeds:vevent:1:{session.pk}:{session.updated_at.timestamp():.6f}:{session.sequence}:{language}"


def render_vevent(session: Session, *, event: Event, language: str, site_url: str) -> bytes:
    """One session as a VEVENT in ``language``. ``session`` needs its room and venue loaded."""
    title = i18n.pick(session.title, language, [event.default_language])
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
    description = i18n.pick(session.description, language, [event.default_language])
    if description:
        vevent.add("description", description)
    if session.room_id:
        vevent.add("location", f"{session.room.name}, {session.room.venue.name}")
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
    """The event zone's VTIMEZONE from the pinned tz data, for a window around its days,
    without the COMMENT that `icalendar` adds (libical rejects it)."""
    first, last = event.start_date - ZONE_MARGIN, event.end_date + ZONE_MARGIN
    key = f"feeds:vtimezone:1:{event.timezone}:{first}:{last}"
    body = cache.get(key)
    if body is None:
        component = icalendar.Timezone.from_tzid(event.timezone, first_date=first, last_date=last)
        component.pop("COMMENT", None)
        body = component.to_ical()
        cache.set(key, body, None)
    return body


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: dt.datetime | None


def render_feed(*, name: str, event: Event, sessions: Sequence[Session], language: str, site_url: str) -> RenderedFeed:
    """The calendar: header, VTIMEZONE, then one VEVENT per session. The ETag is derived
    from what went in, so it changes when a session changes, joins or leaves the feed."""
    header = icalendar.Calendar()
    header.add("version", "2.0")
    header.add("prodid", PRODID)
    header.add("calscale", "GREGORIAN")
    header.add("name", name)
    header.add("x-wr-calname", name)
    header.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    header.add("x-published-ttl", REFRESH)
    head = header.to_ical().removesuffix(b"END:VCALENDAR\r\n")
    parts = fragments(sessions, event=event, language=language, site_url=site_url)
    body = b"".join([head, vtimezone(event), *(fragment for _key, fragment in parts), b"END:VCALENDAR\r\n"])
    digest = hashlib.sha256(body).hexdigest()[:40]
    last = max((s.updated_at for s in sessions), default=None)
    return RenderedFeed(body=body, etag=f'"{digest}"', last_modified=last)
