"""Writes to the programme, and the event bundle that loads a whole assembly at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, TypeGuard, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.delegations.models import Delegation, Participant
from apps.delegations.services import delegation_save, participant_save
from apps.events.models import Event, Room, Venue
from apps.events.selectors import events_listed
from apps.events.services import event_create, room_save, venue_save
from apps.kernel.timezones import parse_event_instant

from ..errors import RoomDoubleBooked
from ..models import Session
from .sessions import session_save

T = TypeVar("T")

BUNDLE_FORMAT = "gaplanner-event/1"
MAX_REPORTED_ERRORS = 100

_EVENT_FIELDS = {
    "slug",
    "name",
    "timezone",
    "start_date",
    "end_date",
    "languages",
    "default_language",
    "reminder_lead_minutes",
}
_VENUE_FIELDS = {"name", "address", "latitude", "longitude", "opens", "closes", "rooms"}
_ROOM_FIELDS = {"name", "kind", "capacity", "booths"}
_DELEGATION_FIELDS = {"key", "kind", "country", "organisation", "region"}
_PARTICIPANT_FIELDS = {"delegation", "role", "first_name", "last_name", "email", "language"}
_SESSION_FIELDS = {
    "code",
    "kind",
    "title",
    "description",
    "room",
    "start",
    "end",
    "status",
    "visibility",
    "languages",
    "expected_attendance",
    "audience",
}
_AUDIENCE_FIELDS = {"everyone", "member_delegations", "delegations", "participants", "roles"}


class BundleError(Exception):
    """A bundle that cannot be loaded; ``errors`` name each place (``sessions[3].end: …``)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Report:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, place: str, message: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(f"{place}: {message}")

    def check_fields(self, data: object, place: str, allowed: set[str]) -> TypeGuard[Mapping[str, Any]]:
        """Whether ``data`` is an object with none but the ``allowed`` fields; reports why not."""
        if not isinstance(data, Mapping):
            self.add(place, "must be an object")
            return False
        unknown = sorted(set(data) - allowed)
        for name in unknown:
            self.add(f"{place}.{name}", "unknown field")
        return not unknown

    def save(self, place: str, write: Callable[[], T]) -> T | None:
        """Run ``write`` (a service that validates with the model's rules, then saves) and
        return what it saved; ``None`` when it refused, after reporting what is wrong."""
        try:
            return write()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                where = place if field == "__all__" else f"{place}.{field}"
                for message in messages:
                    self.add(where, message)
            return None


def _list_of_str(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


@transaction.atomic
def event_bundle_import(*, bundle: Mapping[str, Any]) -> tuple[Event, bool]:
    """Load an event bundle (docs/event-bundle.md): the event and everything in it.

    Returns ``(event, created)``; an event whose slug exists already is returned untouched
    with ``created=False``. Every object is written by its owner's service (``event_create``,
    ``venue_save``, ``room_save``, ``delegation_save``, ``participant_save``, ``session_save``,
    which checks rooms for double booking and records each session in the audit log), so it
    is validated as the API and the admin validate it; if anything is wrong, nothing is
    written and :class:`BundleError` lists every problem by its place.
    """
    report = _Report()
    if not isinstance(bundle, Mapping) or bundle.get("format") != BUNDLE_FORMAT:
        raise BundleError([f"format: must be {BUNDLE_FORMAT!r}"])
    report.check_fields(bundle, "bundle", {"format", "event", "venues", "delegations", "participants", "sessions"})
    data = bundle.get("event")
    if not report.check_fields(data, "event", _EVENT_FIELDS):
        raise BundleError(report.errors)
    existing = events_listed().filter(slug=data.get("slug")).first()
    if existing is not None:
        return existing, False

    event = report.save("event", partial(event_create, data=data, creator=None))
    if event is None:
        raise BundleError(report.errors)

    rooms = _import_venues(report, event, bundle.get("venues") or [])
    delegations = _import_delegations(report, event, bundle.get("delegations") or [])
    participants = _import_participants(report, event, delegations, bundle.get("participants") or [])
    _import_sessions(report, event, rooms, delegations, participants, bundle.get("sessions") or [])
    if report.errors:
        raise BundleError(report.errors)
    return event, True


def _import_venues(report: _Report, event: Event, venues: Iterable[Any]) -> dict[str, Room]:
    rooms: dict[str, Room] = {}
    for v, data in enumerate(venues):
        place = f"venues[{v}]"
        if not report.check_fields(data, place, _VENUE_FIELDS):
            continue
        fields = {k: val for k, val in data.items() if k != "rooms"}
        for name in ("latitude", "longitude"):
            if isinstance(fields.get(name), float):
                # JSON numbers arrive as binary floats; their decimal text is what was written.
                fields[name] = Decimal(str(fields[name]))
        venue = report.save(place, partial(venue_save, venue=Venue(event=event), data=fields))
        if venue is None:
            continue
        for r, room_data in enumerate(data.get("rooms") or []):
            room_place = f"{place}.rooms[{r}]"
            if not report.check_fields(room_data, room_place, _ROOM_FIELDS):
                continue
            room_name = room_data.get("name")
            if room_name in rooms:
                report.add(f"{room_place}.name", f"another room is named {room_name!r}")
                continue
            room = report.save(room_place, partial(room_save, room=Room(venue=venue), data=room_data))
            if room is not None:
                rooms[room.name] = room
    return rooms


def _import_delegations(report: _Report, event: Event, items: Iterable[Any]) -> dict[str, Delegation]:
    delegations: dict[str, Delegation] = {}
    for d, data in enumerate(items):
        place = f"delegations[{d}]"
        if not report.check_fields(data, place, _DELEGATION_FIELDS):
            continue
        key = data.get("key")
        if not isinstance(key, str) or not key:
            report.add(f"{place}.key", "required")
            continue
        if key in delegations:
            report.add(f"{place}.key", f"another delegation has the key {key!r}")
            continue
        fields = {k: val for k, val in data.items() if k != "key"}
        delegation = report.save(place, partial(delegation_save, delegation=Delegation(event=event), data=fields))
        if delegation is not None:
            delegations[key] = delegation
    return delegations


def _import_participants(
    report: _Report,
    event: Event,
    delegations: Mapping[str, Delegation],
    items: Iterable[Any],
) -> dict[str, Participant]:
    participants: dict[str, Participant] = {}
    for p, data in enumerate(items):
        place = f"participants[{p}]"
        if not report.check_fields(data, place, _PARTICIPANT_FIELDS):
            continue
        key = data.get("delegation")
        delegation = delegations.get(key) if key else None
        if key and delegation is None:
            report.add(f"{place}.delegation", f"no delegation has the key {key!r}")
            continue
        fields = {k: val for k, val in data.items() if k != "delegation"}
        participant = report.save(
            place, partial(participant_save, participant=Participant(event=event, delegation=delegation), data=fields)
        )
        if participant is not None and participant.email:
            participants[participant.email] = participant
    return participants


def _import_sessions(
    report: _Report,
    event: Event,
    rooms: Mapping[str, Room],
    delegations: Mapping[str, Delegation],
    participants: Mapping[str, Participant],
    items: Iterable[Any],
) -> None:
    for s, data in enumerate(items):
        place = f"sessions[{s}]"
        if not report.check_fields(data, place, _SESSION_FIELDS):
            continue
        fields = {k: v for k, v in data.items() if k not in {"room", "start", "end", "audience"}}
        if data.get("room") is not None:
            fields["room"] = rooms.get(data["room"])
            if fields["room"] is None:
                report.add(f"{place}.room", f"no room is named {data['room']!r}")
                continue
        bad_time = False
        for name in ("start", "end"):
            try:
                fields[name] = parse_event_instant(data.get(name), event.zone)
            except ValueError as exc:
                report.add(f"{place}.{name}", str(exc))
                bad_time = True
        audience = data.get("audience") or {}
        if bad_time or not report.check_fields(audience, f"{place}.audience", _AUDIENCE_FIELDS):
            continue
        fields["roles"] = audience.get("roles") or []
        flags = {name: audience.get(name, False) for name in ("everyone", "member_delegations")}
        bad_flags = [name for name, value in flags.items() if not isinstance(value, bool)]
        for name in bad_flags:
            report.add(f"{place}.audience.{name}", "must be true or false")
        if bad_flags:
            continue
        fields["for_everyone"], fields["for_member_delegations"] = flags["everyone"], flags["member_delegations"]
        fields["participants"] = _resolve(
            report, f"{place}.audience.participants", audience.get("participants"), participants
        )
        fields["delegations"] = _resolve(
            report, f"{place}.audience.delegations", audience.get("delegations"), delegations
        )
        if fields["participants"] is None or fields["delegations"] is None:
            continue
        try:
            report.save(place, partial(session_save, session=Session(event=event), data=fields))
        except RoomDoubleBooked as exc:
            holder = exc.sessions[0].code if exc.sessions else "another session"
            report.add(f"{place}.room", f"{data['room']!r} already holds {holder} at that time")


def _resolve(report: _Report, place: str, keys: object, known: Mapping[str, Any]) -> list[Any] | None:
    names = _list_of_str(keys)
    if names is None:
        report.add(place, "must be a list of keys")
        return None
    missing = [name for name in names if name not in known]
    if missing:
        report.add(place, f"unknown: {', '.join(missing)}")
        return None
    return [known[name] for name in names]
