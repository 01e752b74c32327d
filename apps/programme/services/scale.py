"""An assembly at the size of the largest UN conferences, written in bulk (``manage.py seed_scale``).

The plan is :mod:`apps.programme.scale_plan` (pure data from a seed); this module writes it:
``bulk_create`` in batches of :data:`BATCH_SIZE`, the audiences' many-to-many rows too, one
transaction per phase, without a ``full_clean`` per row (the plan keeps the models' rules:
see its docstring). The event, its venues and rooms, few, go through their services. The
versions go through :func:`~apps.programme.services.publishing.schedule_publish`, as an
organizer's would, between them the organizers' changes of
:func:`~apps.programme.scale_plan.revision_plan`. Then ``ANALYZE`` gives the query planner
statistics for the tables just filled (this machine's PostgreSQL runs without autovacuum).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.delegations.signals import bulk_save, participants_bulk_saved
from apps.events.models import Event, Room, Venue
from apps.events.services import event_create, room_save, venue_save

from ..models import AuditEntry, ScheduleVersion, Session
from ..scale_plan import (
    DAYS,
    FIRST_DAY,
    LANGUAGES,
    VENUE_CLOSES,
    VENUE_OPENS,
    VENUES,
    ZONE,
    AssemblyPlan,
    AssemblyTooSmall,
    SessionPlan,
    assembly_plan,
    revision_plan,
)
from .audit import audit_record
from .publishing import schedule_publish

BATCH_SIZE = 5_000
DEFAULT_SEED = 2026
M = TypeVar("M", bound=models.Model)


class ScaleEventExists(Exception):
    """An event with that slug exists already, and replacing it was not asked for."""


class Progress(Protocol):
    """Opens a phase of ``total`` steps (``None``: unknown), each a ``unit`` ("row",
    "table"), and yields the function that advances it by a number of steps."""

    def __call__(self, phase: str, total: int | None, unit: str) -> AbstractContextManager[Callable[[int], object]]: ...


@contextmanager
def no_progress(phase: str, total: int | None, unit: str) -> Iterator[Callable[[int], object]]:
    yield lambda steps: None


@dataclass(frozen=True)
class PhaseTime:
    phase: str
    seconds: float
    steps: int
    unit: str


@dataclass
class _Written:
    event: Event
    rooms: list[Room]
    delegations: list[Delegation]
    participants: list[Participant]
    sessions: list[Session]


def scale_assembly_seed(
    *,
    slug: str,
    seed: int = DEFAULT_SEED,
    delegations: int,
    participants: int,
    sessions: int,
    versions: int = 4,
    replace: bool = False,
    progress: Progress = no_progress,
) -> tuple[Event, list[PhaseTime]]:
    """Build the assembly ``slug``: rooms, ``delegations``, ``participants`` and a working
    programme of ``sessions``, published ``versions`` times with changes in between;
    ``ANALYZE`` its tables once loaded and again once published. The same seed and sizes
    give the same codes, rooms and times.

    Raises :class:`ScaleEventExists` when the event exists and ``replace`` is false (with
    ``replace`` it is deleted first, everything in it with it),
    :class:`~apps.programme.scale_plan.AssemblyTooSmall` for sizes that cannot make an
    assembly, and ``ValidationError`` for a slug that is not one. Each phase commits on its
    own: a failure leaves the phases before it written (build again with ``replace``). Each
    bulk write of sessions leaves one entry in the event's audit log (action ``seed``), each
    version its ``publish`` entry; each publication enqueues, after its commit, what any
    publication does (feeds, change notices). Returns the event and the time of each phase.
    """
    if versions < 1:
        raise AssemblyTooSmall("an assembly needs one published version at least")
    times: list[PhaseTime] = []

    @contextmanager
    def phase(name: str, total: int | None, unit: str = "row") -> Iterator[Callable[[int], object]]:
        started = time.perf_counter()
        with progress(name, total, unit) as advance:
            yield advance
        times.append(PhaseTime(name, time.perf_counter() - started, total or 0, unit))

    existing = Event.objects.filter(slug=slug).first()
    if existing is not None and not replace:
        raise ScaleEventExists(slug)
    if existing is not None:
        with phase("delete", 1, "event") as advance:
            _event_delete(existing)
            advance(1)
    with phase("plan", sessions, "session") as advance:
        plan = assembly_plan(seed=seed, delegations=delegations, participants=participants, sessions=sessions)
        advance(sessions)
    written = _write(plan, slug, phase)
    tables = _tables()
    # Publishing reads what was just loaded: planned with the statistics of a smaller load
    # (a test run in the same database), the first publication of 5,000 sessions took 11
    # minutes on SQLite instead of half a minute.
    with phase("analyze", len(tables), "table") as advance:
        tables_analyze(tables, advance)
    for number in range(1, versions + 1):
        with phase(f"version {number}", 1, "publication") as advance, transaction.atomic():
            if number > 1:
                _revise(plan, written, number)
            schedule_publish(event=written.event, note=f"Version {number}", confirm_warnings=True)
            advance(1)
    with phase("analyze", len(tables), "table") as advance:
        tables_analyze(tables, advance)
    return written.event, times


def _write(plan: AssemblyPlan, slug: str, phase: Callable[..., Any]) -> _Written:
    with phase("event", len(plan.rooms), "room") as advance, transaction.atomic():
        event, rooms = _event_write(plan, slug, advance)
    with phase("delegations", len(plan.delegations)) as advance, transaction.atomic():
        delegations = _bulk(
            [
                Delegation(event=event, kind=d.kind, country=d.country, organisation=d.organisation, region=d.region)
                for d in plan.delegations
            ],
            advance,
        )
    with phase("participants", len(plan.participants)) as advance, transaction.atomic():
        people = _bulk(
            [
                Participant(
                    event=event,
                    delegation=delegations[p.delegation] if p.delegation is not None else None,
                    role=p.role,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    email=f"{slug}.{n:06d}@example.org",
                    language=p.language,
                    is_active=p.is_active,
                )
                for n, p in enumerate(plan.participants)
            ],
            advance,
        )
    audiences = sum(len(s.participants) + len(s.delegations) for s in plan.sessions)
    with phase("sessions", len(plan.sessions) + audiences) as advance, transaction.atomic():
        zone = event.zone
        sessions = _bulk([_session(event, rooms, s, zone) for s in plan.sessions], advance)
        _bulk(
            [
                Session.participants.through(session_id=row.pk, participant_id=people[n].pk)
                for row, s in zip(sessions, plan.sessions, strict=True)
                for n in s.participants
            ],
            advance,
        )
        _bulk(
            [
                Session.delegations.through(session_id=row.pk, delegation_id=delegations[d].pk)
                for row, s in zip(sessions, plan.sessions, strict=True)
                for d in s.delegations
            ],
            advance,
        )
        audit_record(event=event, action="seed", after={"sessions": len(sessions), "audiences": audiences})
    return _Written(event, rooms, delegations, people, sessions)


def _event_write(plan: AssemblyPlan, slug: str, advance: Callable[[int], object]) -> tuple[Event, list[Room]]:
    event = event_create(
        data={
            "slug": slug,
            "name": {
                "ar": "جمعية على نطاق واسع",
                "en": "Assembly at scale",
                "fr": "Assemblée à grande échelle",
                "es": "Asamblea a gran escala",
            },
            "timezone": ZONE,
            "start_date": FIRST_DAY,
            "end_date": FIRST_DAY + dt.timedelta(days=DAYS - 1),
            "languages": list(LANGUAGES),
            "default_language": "en",
        },
        creator=None,
    )
    venues = [
        venue_save(
            venue=Venue(event=event),
            data={
                "name": name,
                "latitude": Decimal(latitude),
                "longitude": Decimal(longitude),
                "opens": VENUE_OPENS,
                "closes": VENUE_CLOSES,
            },
        )
        for name, latitude, longitude in VENUES
    ]
    rooms = []
    for room in plan.rooms:
        data = {"name": room.name, "kind": room.kind, "capacity": room.capacity, "booths": list(room.booths)}
        rooms.append(room_save(room=Room(venue=venues[room.venue]), data=data))
        advance(1)
    return event, rooms


def _session(event: Event, rooms: Sequence[Room], plan: SessionPlan, zone: dt.tzinfo) -> Session:
    return Session(
        event=event,
        code=plan.code,
        kind=plan.kind,
        title=plan.title,
        description=plan.description,
        room=rooms[plan.room] if plan.room is not None else None,
        start=plan.start(zone),
        end=plan.end(zone),
        status=plan.status,
        visibility=plan.visibility,
        languages=plan.languages,
        roles=plan.roles,
        for_everyone=plan.for_everyone,
        for_member_delegations=plan.for_member_delegations,
        expected_attendance=plan.expected_attendance,
    )


def _bulk(rows: list[M], advance: Callable[[int], object]) -> list[M]:
    """``rows`` created in batches, with their primary keys (PostgreSQL and SQLite 3.35+
    return them)."""
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        type(batch[0])._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
        advance(len(batch))
    return rows


_REVISED_FIELDS = ["room", "start", "end", "status", "description", "languages", "expected_attendance", "updated_at"]


def _revise(plan: AssemblyPlan, written: _Written, number: int) -> None:
    """The organizers' changes before version ``number``, written in one bulk update: moved
    sessions go where no session has been, so no order of the rows' updates clashes."""
    revision = revision_plan(plan, version=number)
    zone, now = written.event.zone, timezone.now()
    changed = []
    for index in revision.changed:
        row, source = written.sessions[index], plan.sessions[index]
        row.room = written.rooms[source.room] if source.room is not None else None
        row.start, row.end = source.start(zone), source.end(zone)
        row.status, row.description, row.languages = source.status, source.description, source.languages
        row.expected_attendance, row.updated_at = source.expected_attendance, now
        changed.append(row)
    Session.objects.bulk_update(changed, _REVISED_FIELDS, batch_size=BATCH_SIZE)
    audit_record(
        event=written.event,
        action="seed",
        after={
            "moved": len(revision.moved),
            "cancelled": len(revision.cancelled),
            "confirmed": len(revision.confirmed),
            "described": len(revision.described),
        },
    )


def _event_delete(event: Event) -> None:
    """Delete ``event`` and everything in it. Its participants go as one bulk write, so
    that feeds are told once, not once a participant."""
    with transaction.atomic(), bulk_save():
        ids = list(Participant.objects.filter(event=event).values_list("pk", flat=True))
        event.delete()
        participants_bulk_saved.send(sender=Participant, event=event, participant_ids=ids)


def _tables() -> list[str]:
    touched: list[type[models.Model]] = [
        Event,
        Venue,
        Room,
        Delegation,
        Participant,
        Session,
        Session.participants.through,
        Session.delegations.through,
        ScheduleVersion,
        AuditEntry,
    ]
    return [model._meta.db_table for model in touched]


def tables_analyze(tables: Sequence[str], advance: Callable[[int], object] = lambda steps: None) -> None:
    """Refresh the query planner's statistics for ``tables`` (``ANALYZE``), on PostgreSQL
    and on SQLite: after a bulk load, plans would otherwise assume empty tables."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            advance(1)
