"""The frab schedule export, ``schedule.json`` and ``schedule.xml``, that conference apps
(Giggity, ConfClerk, EventFahrplan) read: the public programme of the last published version.

Both documents follow the c3voc schemas (kept for the tests in tests/feeds/c3voc/; the rules
in docs/calendar.md). Their instants are the database's, written in the event's zone with
the offset in force then, as the iCal feeds give them. The XML is the JSON document written
out element by element, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

# ElementTree only builds the export here and parses nothing: XML parsing attacks do not apply.
from xml.etree import ElementTree as ET  # nosec B405

from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext

from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.kernel import i18n
from apps.kernel.text import multi_line, single_line
from apps.kernel.timezones import local_day_bounds
from apps.programme.enums import SessionKind, SessionStatus
from apps.programme.models import ScheduleVersion, Session
from apps.programme.selectors import sessions_visible_to

SCHEMA_ID = "https://c3voc.de/schedule/schema.json"
# The grid step apps draw the schedule with; sessions start on any minute.
TIMESLOT_DURATION = "00:05"
# The schema's own pattern for ``time_zone_name`` (searched, as JSON Schema does): zones it
# refuses, such as Etc/GMT-3 or US/Eastern, are left out; every instant carries its offset.
_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
# Characters XML 1.0 cannot hold, and C0/C1 controls that break clients (docs/calendar.md, "Text").
_UNWRITABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def conference_acronym(*, event: Event) -> str:
    """The event's slug as the schemas' acronym: lowercase letters, digits and underscores,
    at least four of them (``ga-2025`` → ``ga_2025``, ``GA`` → ``ga__``)."""
    return re.sub(r"[^a-z0-9_]", "_", event.slug.lower()).ljust(4, "_")


def session_slug(*, acronym: str, code: str) -> str:
    """``<acronym>-<code in lowercase>``, as both schemas accept it: the code part has at
    least four characters and ends in a letter or digit, else ``_0`` is appended. Codes hold
    no underscore, so a padded slug is never another session's."""
    part = code.lower()
    if len(part) < 4 or not part[-1].isalnum():
        part = f"{part}_0"
    return f"{acronym}-{part}"


def session_guid(*, session: Session, base_url: str) -> str:
    """A UUID that follows the session's public page, the same in every render and version."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url.rstrip('/')}{session.get_absolute_url()}"))


def frab_sessions(*, event: Event) -> list[Session]:
    """What the export shows: the sessions an anonymous visitor sees (the last published
    version's public ones, no drafts), less the cancelled ones, by start, rooms loaded."""
    sessions = sessions_visible_to(Principal(event=event)).exclude(status=SessionStatus.CANCELLED)
    return list(sessions.select_related("event", "room__venue").order_by("start", "code"))


def frab_schedule(*, event: Event, language: str, base_url: str) -> dict[str, Any]:
    """The ``schedule.json`` document of ``event``'s public programme, in ``language``.

    Texts fall back to the event's default language. Days are the event's local days; a
    session is listed under the day it starts on, in its room (rooms by venue and name, the
    sessions without one last), by start. ``base_url`` is the site's absolute URL, such as
    ``https://planner.example.org``. The same published state gives an equal document. Costs
    two queries whatever the number of sessions.
    """
    base_url = base_url.rstrip("/")
    zone = event.zone
    acronym = conference_acronym(event=event)
    sessions = frab_sessions(event=event)
    names = _room_names(sessions, language=language)
    rooms_by_day: dict[dt.date, dict[str, list[dict[str, Any]]]] = {day: {} for day in event.days}
    for session in sorted(sessions, key=_room_rank):
        rooms = rooms_by_day.get(event.local_day(session.start))
        if rooms is None:
            continue  # outside the event's days, which sessions are validated never to be
        room = names[session.room_id]
        item = _event_item(session, event=event, language=language, base_url=base_url, acronym=acronym, room=room)
        rooms.setdefault(room, []).append(item)
    days = []
    for index, (day, rooms) in enumerate(rooms_by_day.items(), start=1):
        begins, ends = local_day_bounds(day, zone)
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": begins.astimezone(zone).isoformat(),
                "day_end": ends.astimezone(zone).isoformat(),
                "rooms": rooms,
            }
        )
    conference: dict[str, Any] = {
        "acronym": acronym,
        "title": _line(event.display_name(language)),
        "start": event.start_date.isoformat(),
        "end": event.end_date.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": TIMESLOT_DURATION,
    }
    if _ZONE_NAME.search(event.timezone):
        conference["time_zone_name"] = event.timezone
    conference["url"] = f"{base_url}{event.get_absolute_url()}"
    conference["days"] = days
    return {
        "$schema": SCHEMA_ID,
        "schedule": {"version": _version(event), "base_url": base_url, "conference": conference},
    }


def frab_json(*, event: Event, language: str, base_url: str) -> bytes:
    """:func:`frab_schedule` as UTF-8 JSON bytes (non-ASCII text written as is)."""
    document = frab_schedule(event=event, language=language, base_url=base_url)
    return json.dumps(document, ensure_ascii=False, indent=1).encode() + b"\n"


def frab_xml(*, event: Event, language: str, base_url: str) -> bytes:
    """The ``schedule.xml`` document: :func:`frab_schedule`'s content in the XSD's shape,
    UTF-8 with an XML declaration."""
    schedule = frab_schedule(event=event, language=language, base_url=base_url)["schedule"]
    conference = schedule["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "version").text = schedule["version"]
    element = ET.SubElement(root, "conference")
    values = conference | {"base_url": schedule["base_url"]}
    for name, key in _CONFERENCE_ELEMENTS:
        if key in values:
            ET.SubElement(element, name).text = str(values[key])
    for day in conference["days"]:
        attributes = {"index": str(day["index"]), "date": day["date"], "start": day["day_start"], "end": day["day_end"]}
        day_element = ET.SubElement(root, "day", attributes)
        for room_name, items in day["rooms"].items():
            room_element = ET.SubElement(day_element, "room", {"name": room_name})
            for item in items:
                _event_element(room_element, item)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


_CONFERENCE_ELEMENTS = (
    ("acronym", "acronym"),
    ("title", "title"),
    ("start", "start"),
    ("end", "end"),
    ("days", "daysCount"),
    ("timeslot_duration", "timeslot_duration"),
    ("time_zone_name", "time_zone_name"),
    ("base_url", "base_url"),
    ("url", "url"),
)
_EVENT_ELEMENTS = (
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
)


def _event_element(parent: ET.Element, item: dict[str, Any]) -> None:
    element = ET.SubElement(parent, "event", {"guid": item["guid"], "id": str(item["id"])})
    for name in _EVENT_ELEMENTS:
        ET.SubElement(element, name).text = item[name]
    recording = ET.SubElement(element, "recording")
    ET.SubElement(recording, "license").text = item["recording_license"]
    ET.SubElement(recording, "optout").text = "true" if item["do_not_record"] else "false"
    for name in ("persons", "links", "attachments"):
        ET.SubElement(element, name)


def _event_item(
    session: Session, *, event: Event, language: str, base_url: str, acronym: str, room: str
) -> dict[str, Any]:
    start, end = session.start.astimezone(event.zone), session.end.astimezone(event.zone)
    minutes = int((session.end - session.start).total_seconds()) // 60
    with translation.override(language):
        track = str(SessionKind(session.kind).label) if session.kind in SessionKind.values else session.kind
    fallbacks = [event.default_language]
    return {
        "guid": session_guid(session=session, base_url=base_url),
        "id": session.published_from_id or session.pk,
        "date": start.isoformat(),
        "end": end.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": f"{minutes // 60:02d}:{minutes % 60:02d}",
        "room": room,
        "slug": session_slug(acronym=acronym, code=session.code),
        "url": f"{base_url}{session.get_absolute_url()}",
        "title": _line(i18n.pick(session.title, language, fallbacks)),
        "subtitle": "",
        "track": _text(track),
        "type": session.kind,
        "language": session.languages[0] if session.languages else event.default_language,
        "abstract": _text(i18n.pick(session.description, language, fallbacks)),
        "description": "",
        "recording_license": "",
        "do_not_record": True,
        "persons": [],
        "links": [],
        "attachments": [],
    }


def _room_rank(session: Session) -> tuple[int, str, str]:
    if session.room is None:
        return (1, "", "")
    return (0, session.room.venue.name, session.room.name)


def _room_names(sessions: Sequence[Session], *, language: str) -> dict[int | None, str]:
    """Each room's key: its name, with its venue's where two venues have a room of that name."""
    rooms = {session.room_id: session.room for session in sessions if session.room is not None}
    counts: dict[str, int] = {}
    for room in rooms.values():
        counts[room.name] = counts.get(room.name, 0) + 1
    names: dict[int | None, str] = {
        pk: _line(room.name if counts[room.name] == 1 else f"{room.name}, {room.venue.name}")
        for pk, room in rooms.items()
    }
    with translation.override(language):
        names[None] = gettext("Room to be announced")
    return names


def _version(event: Event) -> str:
    """The number of the last published version, ``0`` before the first."""
    number = ScheduleVersion.objects.filter(event=event).aggregate(last=Max("number"))["last"]
    return str(number or 0)


def _text(value: str) -> str:
    return _UNWRITABLE.sub("", multi_line(value))


def _line(value: str) -> str:
    """A name or title: one line (room names are XML attributes and JSON keys)."""
    return _UNWRITABLE.sub("", single_line(value))
