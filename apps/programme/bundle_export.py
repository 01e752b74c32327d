"""An event written as an event bundle (docs/event-bundle.md), the file that ``event_import``
loads: ``manage.py event_export``.

The bundle holds what an organizer set up and scheduled: the event, its venues and rooms,
delegations, participants and the working schedule with its audiences. It leaves out what
belongs to people and history: organizers, accounts, agendas, published versions, the audit
log. Objects come in the order they were created, so that a bundle exported, loaded and
exported again is the same file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room, Venue
from apps.kernel import i18n
from apps.kernel.timezones import LocalTimeError, make_aware_strict

from .models import Session
from .services.bundle import BUNDLE_FORMAT

# Rows read from the database at a time.
_CHUNK = 5_000


class BundleExportError(Exception):
    """An event that the bundle format cannot describe; ``errors`` say what and where."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def event_bundle_export(*, event: Event) -> dict[str, Any]:
    """The bundle of ``event``, as ``event_bundle_import`` loads it.

    Raises :class:`BundleExportError` when the event holds what the format cannot say: two
    rooms of one name (sessions name their room), or a participant without an e-mail address
    in a session's audience (audiences name people by address). A few queries, whatever the
    event's size.
    """
    zone = event.zone
    rooms = _rooms(event)
    venues = _venues(event, rooms)
    delegation_keys = _delegation_keys(event)
    emails = dict(Participant.objects.filter(event=event).order_by().values_list("pk", "email").iterator(_CHUNK))
    errors = _room_names_repeated(rooms)
    sessions = list(_sessions(event, zone, {room.pk: room.name for room in rooms}, delegation_keys, emails, errors))
    if errors:
        raise BundleExportError(errors)
    return {
        "format": BUNDLE_FORMAT,
        "event": {
            "slug": event.slug,
            "name": _texts(event.name),
            "timezone": event.timezone,
            "start_date": event.start_date.isoformat(),
            "end_date": event.end_date.isoformat(),
            "languages": event.languages,
            "default_language": event.default_language,
            "reminder_lead_minutes": event.reminder_lead_minutes,
        },
        "venues": venues,
        "delegations": [_delegation(d, delegation_keys[d.pk]) for d in _delegations(event)],
        "participants": list(_participants(event, delegation_keys)),
        "sessions": sessions,
    }


def bundle_render(bundle: Mapping[str, Any]) -> str:
    """The bundle as a file: UTF-8 JSON, one space a level, as the sample is written."""
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


def _rooms(event: Event) -> list[Room]:
    return list(Room.objects.filter(venue__event=event).order_by("venue_id", "pk"))


def _venues(event: Event, rooms: Iterable[Room]) -> list[dict[str, Any]]:
    by_venue: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for room in rooms:
        by_venue[room.venue_id].append(
            {"name": room.name, "kind": room.kind, "capacity": room.capacity, "booths": room.booths}
        )
    venues = []
    for venue in Venue.objects.filter(event=event).order_by("pk"):
        data: dict[str, Any] = {"name": venue.name}
        if venue.address:
            data["address"] = venue.address
        for name in ("latitude", "longitude"):
            value: Decimal | None = getattr(venue, name)
            if value is not None:
                # The decimal's shortest text as a JSON number; the import reads it back as written.
                data[name] = float(value.normalize())
        for name in ("opens", "closes"):
            moment: dt.time | None = getattr(venue, name)
            if moment is not None:
                data[name] = moment.isoformat(timespec="minutes" if not moment.second else "seconds")
        data["rooms"] = by_venue.get(venue.pk, [])
        venues.append(data)
    return venues


def _room_names_repeated(rooms: Iterable[Room]) -> list[str]:
    seen: dict[str, Room] = {}
    errors = []
    for room in rooms:
        if room.name in seen:
            errors.append(f"rooms: two rooms are named {room.name!r}; rename one to export the event")
        seen[room.name] = room
    return errors


def _delegations(event: Event) -> Iterator[Delegation]:
    return Delegation.objects.filter(event=event).order_by("pk").iterator(_CHUNK)


def _delegation_keys(event: Event) -> dict[int, str]:
    """Each delegation's key: its country's ISO code, else its organisation's name in the
    event's default language (as the participant import finds delegations), numbered when
    two organisations share a name."""
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for delegation in _delegations(event):
        if delegation.country:
            key = delegation.country.code
        else:
            key = i18n.pick(delegation.organisation, event.default_language, []) or f"D{delegation.pk}"
        unique, number = key, 1
        while unique in taken:
            number += 1
            unique = f"{key} ({number})"
        taken.add(unique)
        keys[delegation.pk] = unique
    return keys


def _delegation(delegation: Delegation, key: str) -> dict[str, Any]:
    data: dict[str, Any] = {"key": key, "kind": delegation.kind}
    if delegation.country:
        data["country"] = delegation.country.code
    if delegation.organisation:
        data["organisation"] = _texts(delegation.organisation)
    if delegation.region:
        data["region"] = delegation.region
    return data


def _participants(event: Event, delegation_keys: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    rows = (
        Participant.objects.filter(event=event)
        .order_by("pk")
        .values_list("delegation_id", "role", "first_name", "last_name", "email", "language", "is_active")
    )
    for delegation_id, role, first_name, last_name, email, language, is_active in rows.iterator(_CHUNK):
        data: dict[str, Any] = {}
        if delegation_id is not None:
            data["delegation"] = delegation_keys[delegation_id]
        data.update(role=role, first_name=first_name, last_name=last_name, email=email, language=language)
        if not is_active:
            data["is_active"] = False
        yield data


def _sessions(
    event: Event,
    zone: dt.tzinfo,
    room_names: Mapping[int, str],
    delegation_keys: Mapping[int, str],
    emails: Mapping[int, str],
    errors: list[str],
) -> Iterator[dict[str, Any]]:
    working = Session.objects.filter(event=event).working()
    people: dict[int, list[int]] = defaultdict(list)
    through = Session.participants.through.objects.filter(session__in=working).order_by("session_id", "participant_id")
    for session_id, participant_id in through.values_list("session_id", "participant_id").iterator(_CHUNK):
        people[session_id].append(participant_id)
    groups: dict[int, list[int]] = defaultdict(list)
    through_d = Session.delegations.through.objects.filter(session__in=working).order_by("session_id", "delegation_id")
    for session_id, delegation_id in through_d.values_list("session_id", "delegation_id").iterator(_CHUNK):
        groups[session_id].append(delegation_id)

    for session in working.order_by("pk").iterator(_CHUNK):
        data: dict[str, Any] = {"code": session.code, "kind": session.kind, "title": _texts(session.title)}
        if session.description:
            data["description"] = _texts(session.description)
        if session.room_id is not None:
            data["room"] = room_names[session.room_id]
        data["start"], data["end"] = _local(session.start, zone), _local(session.end, zone)
        data.update(status=session.status, visibility=session.visibility, languages=session.languages)
        if session.expected_attendance is not None:
            data["expected_attendance"] = session.expected_attendance
        audience: dict[str, Any] = {}
        if session.for_everyone:
            audience["everyone"] = True
        if session.for_member_delegations:
            audience["member_delegations"] = True
        if groups[session.pk]:
            audience["delegations"] = [delegation_keys[pk] for pk in groups[session.pk]]
        if people[session.pk]:
            nameless = [pk for pk in people[session.pk] if not emails[pk]]
            for pk in nameless:
                errors.append(
                    f"sessions {session.code}: participant {pk} has no e-mail address, "
                    "so the audience cannot name them; give them one to export the event"
                )
            audience["participants"] = [emails[pk] for pk in people[session.pk]]
        if session.roles:
            audience["roles"] = session.roles
        if audience:
            data["audience"] = audience
        yield data


def _texts(texts: Mapping[str, str]) -> dict[str, str]:
    """A multilingual text by language code in alphabetical order: PostgreSQL's ``jsonb``
    keeps its own order of the keys, SQLite the order they were written in."""
    return dict(sorted(texts.items()))


def _local(instant: dt.datetime, zone: dt.tzinfo) -> str:
    """The event's wall-clock time, as the bundle writes times; with its offset when the zone
    repeats that time (the import refuses it without one)."""
    local = instant.astimezone(zone)
    naive = local.replace(tzinfo=None)
    spec = "minutes" if not (naive.second or naive.microsecond) else "seconds"
    try:
        make_aware_strict(naive, zone)
    except LocalTimeError:
        return local.isoformat(timespec=spec)
    return naive.isoformat(timespec=spec)
