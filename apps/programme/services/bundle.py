"""Loading a whole assembly from an event bundle (docs/event-bundle.md), all or nothing.

The few objects of an event (the event, venues, rooms, delegations) are written by their
owners' services. Participants and sessions, tens of thousands, are validated in memory by
the same rules as ``participant_save`` and ``session_save``
(:func:`apps.delegations.services.participant_validate_in_bulk`,
:mod:`.session_rules`), then written in bulk: a few queries per few thousand rows, in the
same transaction (docs/decisions/002-event-bundle.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, TypeGuard, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.delegations.models import Delegation, Participant
from apps.delegations.services import DelegationHeads, delegation_save, participant_validate_in_bulk
from apps.delegations.signals import bulk_save, participants_bulk_saved
from apps.events.models import Event, Room, Venue
from apps.events.selectors import events_listed
from apps.events.services import event_create, room_save, venue_save
from apps.kernel.timezones import parse_event_instant

from ..errors import RoomDoubleBooked
from ..models import Session
from .audit import audit_entry, audit_records, session_state
from .scale import Progress, no_progress
from .session_rules import RoomBookings, session_code_new, session_validate_in_bulk

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

BUNDLE_FORMAT = "gaplanner-event/1"
MAX_REPORTED_ERRORS = 100
# Rows per INSERT: a few thousand keep a statement's parameters within SQLite's limit and
# memory flat (Django lowers it further where a backend needs it).
BATCH_SIZE = 2_000

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
_PARTICIPANT_FIELDS = {"delegation", "role", "first_name", "last_name", "email", "language", "is_active"}
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


@dataclass(frozen=True)
class StageTime:
    """How long a stage of an import took (``validate participants``), over how many rows."""

    stage: str
    seconds: float
    rows: int


@dataclass
class BundleImport:
    """What an import did: the event, whether it was created (``False``: it existed, and was
    left as it was), and the time of each stage."""

    event: Event
    created: bool
    times: list[StageTime] = field(default_factory=list)


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

    def refused(self, place: str, exc: ValidationError) -> None:
        """Report what a model's rules found wrong, each field at its place."""
        for name, messages in exc.message_dict.items():
            where = place if name == "__all__" else f"{place}.{name}"
            for message in messages:
                self.add(where, message)

    def save(self, place: str, write: Callable[[], T]) -> T | None:
        """Run ``write`` (a service that validates with the model's rules, then saves) and
        return what it saved; ``None`` when it refused, after reporting what is wrong."""
        try:
            return write()
        except ValidationError as exc:
            self.refused(place, exc)
            return None


class _Stages:
    """Times each stage and shows its progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.times: list[StageTime] = []

    @contextmanager
    def __call__(self, stage: str, total: int) -> Iterator[Callable[[int], object]]:
        started = time.perf_counter()
        with self.progress(stage, total, "row") as advance:
            yield advance
        self.times.append(StageTime(stage, time.perf_counter() - started, total))


@dataclass(frozen=True)
class _PlannedSession:
    session: Session
    participants: list[Participant]
    delegations: list[Delegation]


def _list_of_str(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


@transaction.atomic
def event_bundle_import(*, bundle: Mapping[str, Any], progress: Progress = no_progress) -> tuple[Event, bool]:
    """Load an event bundle (docs/event-bundle.md): the event and everything in it.

    Returns ``(event, created)``; an event whose slug exists already is returned untouched
    with ``created=False``. See :func:`event_bundle_load`.
    """
    loaded = event_bundle_load(bundle=bundle, progress=progress)
    return loaded.event, loaded.created


@transaction.atomic
def event_bundle_load(*, bundle: Mapping[str, Any], progress: Progress = no_progress) -> BundleImport:
    """Load an event bundle, all or nothing, and say how long each stage took.

    The event, its venues, rooms and delegations are written by their services
    (``event_create``, ``venue_save``, ``room_save``, ``delegation_save``). Participants and
    sessions are validated first, every one, by the rules of ``participant_save`` and
    ``session_save`` checked in memory (fields, clean text, one head per delegation, an
    address and a code unique in the event, a room holding one session at a time), then
    written in bulk with their audiences; each session gets its ``create`` entry in the
    audit log, naming the current actor, as ``session_save`` writes it. The participants
    are announced once (``participants_bulk_saved``). If anything is wrong, nothing is
    written and :class:`BundleError` lists every problem by its place, up to
    ``MAX_REPORTED_ERRORS``. ``progress`` shows each stage (``seed_scale``'s bars).
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
        return BundleImport(existing, created=False)

    stages = _Stages(progress)
    venues, delegation_items = _items(report, bundle, "venues"), _items(report, bundle, "delegations")
    with stages("event", 1 + len(venues) + len(delegation_items)) as advance:
        event = report.save("event", partial(event_create, data=data, creator=None))
        if event is None:
            raise BundleError(report.errors)
        advance(1)
        rooms = _import_venues(report, event, venues, advance)
        delegations = _import_delegations(report, event, delegation_items, advance)
    participant_items, session_items = _items(report, bundle, "participants"), _items(report, bundle, "sessions")
    with stages("check participants", len(participant_items)) as advance:
        participants = _participants_checked(report, event, delegations, participant_items, advance)
    with stages("check sessions", len(session_items)) as advance:
        sessions = _sessions_checked(report, event, rooms, delegations, participants.by_email, session_items, advance)
    if report.errors:
        raise BundleError(report.errors)

    people = participants.accepted
    with stages("write participants", len(people)) as advance, bulk_save():
        _bulk(people, advance)
        participants_bulk_saved.send(sender=Participant, event=event, participant_ids=[p.pk for p in people])
    with stages("write sessions", len(sessions)) as advance:
        _bulk([planned.session for planned in sessions], advance)
    audiences = sum(len(p.participants) + len(p.delegations) for p in sessions)
    with stages("write audiences", audiences) as advance:
        _audiences_write(sessions, advance)
    with stages("write audit log", len(sessions)) as advance:
        entries = [
            audit_entry(
                event=event,
                action="create",
                code=planned.session.code,
                after=session_state(
                    planned.session,
                    participant_ids=(p.pk for p in planned.participants),
                    delegation_ids=(d.pk for d in planned.delegations),
                ),
            )
            for planned in sessions
        ]
        for start in range(0, len(entries), BATCH_SIZE):
            audit_records(entries=entries[start : start + BATCH_SIZE], batch_size=BATCH_SIZE)
            advance(len(entries[start : start + BATCH_SIZE]))
    return BundleImport(event, created=True, times=stages.times)


def _items(report: _Report, bundle: Mapping[str, Any], name: str) -> Sequence[Any]:
    """The list ``name`` of the bundle (none when it is left out)."""
    items = bundle.get(name) or []
    if not isinstance(items, list):
        report.add(name, "must be a list")
        return []
    return items


def _bulk(rows: Sequence[M], advance: Callable[[int], object]) -> None:
    """``rows`` inserted in batches; their primary keys set (PostgreSQL and SQLite 3.35+
    return them)."""
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        type(batch[0])._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
        advance(len(batch))


def _import_venues(
    report: _Report, event: Event, venues: Iterable[Any], advance: Callable[[int], object]
) -> dict[str, Room]:
    rooms: dict[str, Room] = {}
    for v, data in enumerate(venues):
        advance(1)
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


def _import_delegations(
    report: _Report, event: Event, items: Iterable[Any], advance: Callable[[int], object]
) -> dict[str, Delegation]:
    delegations: dict[str, Delegation] = {}
    for d, data in enumerate(items):
        advance(1)
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


@dataclass
class _Participants:
    """The participants that passed, in the bundle's order, and those with an address by it
    (cleaned: as audiences name them)."""

    accepted: list[Participant] = field(default_factory=list)
    by_email: dict[str, Participant] = field(default_factory=dict)


def _counted(items: Sequence[T], advance: Callable[[int], object], every: int = 1_000) -> Iterator[tuple[int, T]]:
    """``enumerate(items)``, advancing the progress bar every ``every`` items."""
    for index, item in enumerate(items):
        yield index, item
        if (index + 1) % every == 0:
            advance(every)
    advance(len(items) % every)


def _participants_checked(
    report: _Report,
    event: Event,
    delegations: Mapping[str, Delegation],
    items: Sequence[Any],
    advance: Callable[[int], object],
) -> _Participants:
    participants = _Participants()
    heads = DelegationHeads(event)
    for p, data in _counted(items, advance):
        place = f"participants[{p}]"
        if not report.check_fields(data, place, _PARTICIPANT_FIELDS):
            continue
        key = data.get("delegation")
        delegation = delegations.get(key) if isinstance(key, str) else None
        if key and delegation is None:
            report.add(f"{place}.delegation", f"no delegation has the key {key!r}")
            continue
        participant = Participant(event=event, delegation=delegation)
        for name, value in data.items():
            if name != "delegation":
                setattr(participant, name, value)
        try:
            participant_validate_in_bulk(participant, heads=heads, emails_taken=participants.by_email)
        except ValidationError as exc:
            report.refused(place, exc)
            continue
        heads.take(participant)
        participants.accepted.append(participant)
        if participant.email:
            participants.by_email[participant.email] = participant
    return participants


def _sessions_checked(
    report: _Report,
    event: Event,
    rooms: Mapping[str, Room],
    delegations: Mapping[str, Delegation],
    participants: Mapping[str, Participant],
    items: Sequence[Any],
    advance: Callable[[int], object],
) -> list[_PlannedSession]:
    planned: list[_PlannedSession] = []
    bookings = RoomBookings()
    codes: set[str] = set()
    # Codes written in the bundle: a code given to a session without one must not take them.
    written = {data["code"] for data in items if isinstance(data, Mapping) and isinstance(data.get("code"), str)}
    for s, data in _counted(items, advance):
        place = f"sessions[{s}]"
        if not report.check_fields(data, place, _SESSION_FIELDS):
            continue
        fields = {k: v for k, v in data.items() if k not in {"room", "start", "end", "audience"}}
        if data.get("room") is not None:
            fields["room"] = rooms.get(data["room"]) if isinstance(data["room"], str) else None
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
        people = _resolve(report, f"{place}.audience.participants", audience.get("participants"), participants)
        groups = _resolve(report, f"{place}.audience.delegations", audience.get("delegations"), delegations)
        if people is None or groups is None:
            continue
        session = Session(event=event)
        for name, value in fields.items():
            setattr(session, name, value)
        try:
            bookings.refuse_double_booking(session)
        except RoomDoubleBooked as exc:
            report.add(f"{place}.room", f"{data['room']!r} already holds {exc.sessions[0].code} at that time")
            continue
        try:
            session_validate_in_bulk(session, codes=codes)
        except ValidationError as exc:
            report.refused(place, exc)
            continue
        if not session.code:
            session.code = session_code_new(codes=codes | written)
        codes.add(session.code)
        bookings.take(session)
        planned.append(_PlannedSession(session, people, groups))
    return planned


def _resolve(report: _Report, place: str, keys: object, known: Mapping[str, T]) -> list[T] | None:
    """The objects named by ``keys``, each once, in order; ``None`` after reporting a name
    that is not known."""
    names = _list_of_str(keys)
    if names is None:
        report.add(place, "must be a list of keys")
        return None
    missing = [name for name in names if name not in known]
    if missing:
        report.add(place, f"unknown: {', '.join(missing)}")
        return None
    return [known[name] for name in dict.fromkeys(names)]


def _audiences_write(sessions: Sequence[_PlannedSession], advance: Callable[[int], object]) -> None:
    """The sessions' audiences (their many-to-many rows), a few thousand rows per INSERT."""
    people_through, groups_through = Session.participants.through, Session.delegations.through
    rows: list[models.Model] = []

    def flush() -> None:
        if rows:
            type(rows[0])._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
            advance(len(rows))
            rows.clear()

    for planned in sessions:
        rows.extend(people_through(session_id=planned.session.pk, participant_id=p.pk) for p in planned.participants)
        if len(rows) >= BATCH_SIZE:
            flush()
    flush()
    for planned in sessions:
        rows.extend(groups_through(session_id=planned.session.pk, delegation_id=d.pk) for d in planned.delegations)
        if len(rows) >= BATCH_SIZE:
            flush()
    flush()
