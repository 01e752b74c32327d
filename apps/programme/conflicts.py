"""Warnings about the working schedule: the conflicts that do not forbid a write.

A participant (above all a head of delegation) expected in two places at once, directly or
through their delegation or role; a room smaller than the expected audience; languages
without booths; a session outside the event's days or its venue's hours; consecutive
sessions of one participant in venues too far apart for the break between them.

:func:`audit` is pure and runs in O(n log n) over sessions and participants: participants
who share a delegation and a role, and have no session of their own, share one agenda, so
each such group is swept once (sorted by start) instead of each person.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from apps.delegations.enums import Role
from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.kernel import i18n

from .enums import SessionStatus
from .models import Session

# Moving between venues: a fixed 10 minutes plus 3 minutes a kilometre (city traffic).
TRAVEL_FIXED_MINUTES = 10
TRAVEL_MINUTES_PER_KM = 3
# A warning names at most this many people, then says how many more.
NAMED_PEOPLE = 10


@dataclass(frozen=True)
class SessionInfo:
    id: int
    code: str
    title: str
    room_id: int | None
    start: dt.datetime
    end: dt.datetime
    languages: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    delegations: tuple[int, ...] = ()
    participants: tuple[int, ...] = ()
    expected_attendance: int | None = None


@dataclass(frozen=True)
class RoomInfo:
    id: int
    name: str
    capacity: int
    booths: tuple[str, ...]
    venue_id: int


@dataclass(frozen=True)
class VenueInfo:
    id: int
    name: str
    latitude: float | None = None
    longitude: float | None = None
    opens: dt.time | None = None
    closes: dt.time | None = None


@dataclass(frozen=True)
class PersonInfo:
    id: int
    delegation_id: int | None
    role: str


@dataclass
class ScheduleWarning:
    kind: str
    message: str
    sessions: tuple[str, ...]
    people: list[int] = field(default_factory=list)
    people_count: int = 0
    involves_head: bool = False
    people_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "sessions": list(self.sessions),
            "people": self.people_names,
            "people_count": self.people_count,
            "involves_head": self.involves_head,
        }


@dataclass(frozen=True)
class Schedule:
    """Everything :func:`audit` reads, as plain data."""

    zone: ZoneInfo
    first_day: dt.date
    last_day: dt.date
    sessions: Sequence[SessionInfo]
    rooms: dict[int, RoomInfo]
    venues: dict[int, VenueInfo]
    people: Sequence[PersonInfo]


def audit(schedule: Schedule) -> list[ScheduleWarning]:
    """Every warning of ``schedule``, sessions' own first, then people's, in a stable order."""
    warnings = _session_warnings(schedule)
    warnings += _people_warnings(schedule)
    return warnings


def _session_warnings(schedule: Schedule) -> list[ScheduleWarning]:
    warnings: list[ScheduleWarning] = []
    by_delegation: dict[int | None, int] = defaultdict(int)
    by_role: dict[str, int] = defaultdict(int)
    by_pair: dict[tuple[int | None, str], int] = defaultdict(int)
    person_index = {person.id: person for person in schedule.people}
    for person in schedule.people:
        by_delegation[person.delegation_id] += 1
        by_role[person.role] += 1
        by_pair[(person.delegation_id, person.role)] += 1
    for session in schedule.sessions:
        local_start, local_end = session.start.astimezone(schedule.zone), session.end.astimezone(schedule.zone)
        if local_start.date() < schedule.first_day or (local_end - dt.timedelta(seconds=1)).date() > schedule.last_day:
            warnings.append(
                ScheduleWarning(
                    "outside_days", _("%(code)s is outside the event's days.") % {"code": session.code}, (session.code,)
                )
            )
        room = schedule.rooms.get(session.room_id) if session.room_id else None
        if room is None:
            continue
        venue = schedule.venues.get(room.venue_id)
        if (
            venue
            and venue.opens
            and venue.closes
            and (
                local_start.time() < venue.opens
                or local_end.time() > venue.closes
                or local_start.date() != local_end.date()
            )
        ):
            warnings.append(
                ScheduleWarning(
                    "outside_hours",
                    _("%(code)s is outside the opening hours of %(venue)s (%(opens)s–%(closes)s).")
                    % {
                        "code": session.code,
                        "venue": venue.name,
                        "opens": f"{venue.opens:%H:%M}",
                        "closes": f"{venue.closes:%H:%M}",
                    },
                    (session.code,),
                )
            )
        missing = [code for code in session.languages if code not in room.booths]
        if len(session.languages) > 1 and missing:
            warnings.append(
                ScheduleWarning(
                    "no_booths",
                    _("%(room)s has no interpretation booth for %(languages)s, needed by %(code)s.")
                    % {"room": room.name, "languages": ", ".join(missing), "code": session.code},
                    (session.code,),
                )
            )
        audience = session.expected_attendance
        if audience is None:
            audience = _audience_size(session, person_index, by_delegation, by_role, by_pair)
        if audience > room.capacity:
            warnings.append(
                ScheduleWarning(
                    "capacity",
                    _("%(room)s seats %(capacity)s; %(audience)s people are expected at %(code)s.")
                    % {"room": room.name, "capacity": room.capacity, "audience": audience, "code": session.code},
                    (session.code,),
                )
            )
    return warnings


def _audience_size(
    session: SessionInfo,
    people: dict[int, PersonInfo],
    by_delegation: dict[int | None, int],
    by_role: dict[str, int],
    by_pair: dict[tuple[int | None, str], int],
) -> int:
    delegations, roles = set(session.delegations), set(session.roles)
    size = sum(by_delegation[d] for d in delegations) + sum(by_role[r] for r in roles)
    size -= sum(by_pair[(d, r)] for d in delegations for r in roles)
    for pid in session.participants:
        person = people.get(pid)
        if person and person.delegation_id not in delegations and person.role not in roles:
            size += 1
    return size


class _Found:
    """People's warnings found so far, one per (kind, first session, second session)."""

    def __init__(self) -> None:
        self.warnings: dict[tuple[str, str, str], ScheduleWarning] = {}

    def add(
        self, kind: str, first: SessionInfo, second: SessionInfo, people: Sequence[int], count: int, head: bool
    ) -> None:
        key = (kind, first.code, second.code)
        warning = self.warnings.get(key)
        if warning is None:
            warning = self.warnings[key] = ScheduleWarning(kind, "", (first.code, second.code))
        if len(warning.people) < NAMED_PEOPLE:
            warning.people.extend(people[: NAMED_PEOPLE - len(warning.people)])
        warning.people_count += count
        warning.involves_head = warning.involves_head or head


def _people_warnings(schedule: Schedule) -> list[ScheduleWarning]:
    """Clashes in people's agendas, without walking each person's agenda.

    A person's agenda is the sessions of their delegation (D), of their role (R) and their own
    (P). Clashes inside D concern the whole delegation, inside R every holder of the role:
    each list is swept once. Clashes between D and R concern the people with both, found
    once per (delegation, role). Only the few people with sessions of their own are looked at
    one by one, and only around those sessions (binary search in their group's agenda).
    """

    def ordered(items: Iterable[SessionInfo]) -> list[SessionInfo]:
        return sorted(items, key=lambda s: (s.start, s.end, s.code))

    by_delegation: dict[int, list[SessionInfo]] = defaultdict(list)
    by_role: dict[str, list[SessionInfo]] = defaultdict(list)
    by_person: dict[int, list[SessionInfo]] = defaultdict(list)
    for session in schedule.sessions:
        for d in session.delegations:
            by_delegation[d].append(session)
        for r in session.roles:
            by_role[r].append(session)
        for pid in session.participants:
            by_person[pid].append(session)
    people_of: dict[object, list[int]] = defaultdict(list)
    for person in schedule.people:
        for key in (("d", person.delegation_id), ("r", person.role), ("g", person.delegation_id, person.role)):
            people_of[key].append(person.id)

    found = _Found()
    for d, sessions in by_delegation.items():
        members = people_of.get(("d", d), [])
        has_head = bool(people_of.get(("g", d, Role.HEAD)))
        for kind, first, second in _clashes(ordered(sessions), schedule):
            found.add(kind, first, second, members, len(members), has_head)
    for r, sessions in by_role.items():
        holders = people_of.get(("r", r), [])
        for kind, first, second in _clashes(ordered(sessions), schedule):
            found.add(kind, first, second, holders, len(holders), r == Role.HEAD)

    agendas: dict[tuple[int | None, str], list[SessionInfo]] = {}
    for person in schedule.people:
        group = (person.delegation_id, person.role)
        if group in agendas:
            continue
        own_d = by_delegation.get(person.delegation_id, []) if person.delegation_id else []
        own_r = by_role.get(person.role, [])
        agendas[group] = ordered({s.id: s for s in (*own_d, *own_r)}.values())
        if own_d and own_r:
            members = people_of[("g", person.delegation_id, person.role)]
            in_d = {s.id for s in own_d}
            in_r = {s.id for s in own_r}
            for kind, first, second in _clashes(agendas[group], schedule):
                if {first.id, second.id} <= in_d or {first.id, second.id} <= in_r:
                    continue  # already found for the whole delegation or role
                found.add(kind, first, second, members, len(members), person.role == Role.HEAD)

    longest = max((s.end - s.start for s in schedule.sessions), default=dt.timedelta(0))
    index = {person.id: person for person in schedule.people}
    for pid, own in by_person.items():
        person = index.get(pid)
        if person is None:
            continue
        group = agendas.get((person.delegation_id, person.role), [])
        starts = [s.start for s in group]
        own_ids = {s.id for s in own}
        for kind, first, second in _own_clashes(ordered(own), group, starts, longest, schedule):
            if first.id in own_ids or second.id in own_ids:
                found.add(kind, first, second, [pid], 1, person.role == Role.HEAD)

    warnings = sorted(found.warnings.values(), key=lambda w: (not w.involves_head, w.kind, w.sessions))
    for warning in warnings:
        warning.message = _people_message(warning)
    return warnings


def _own_clashes(
    own: list[SessionInfo],
    group: list[SessionInfo],
    starts: list[dt.datetime],
    longest: dt.timedelta,
    schedule: Schedule,
) -> Iterable[tuple[str, SessionInfo, SessionInfo]]:
    """Clashes of a person's own sessions with each other and with their group's agenda."""
    yield from _clashes(own, schedule)
    for session in own:
        low = bisect_left(starts, session.start - longest)
        high = bisect_left(starts, session.end)
        for other in group[low:high]:
            if other.id != session.id and other.end > session.start:
                first, second = sorted((session, other), key=lambda s: (s.start, s.end, s.code))
                yield "double_booked", first, second
        before = bisect_left(starts, session.start) - 1
        if before >= 0 and group[before].end <= session.start and _too_far(group[before], session, schedule):
            yield "travel", group[before], session
        after = bisect_left(starts, session.end)
        if after < len(group) and _too_far(session, group[after], schedule):
            yield "travel", session, group[after]


def _clashes(agenda: list[SessionInfo], schedule: Schedule) -> Iterable[tuple[str, SessionInfo, SessionInfo]]:
    """Overlaps (each session against the one running longest before it) and moves between
    venues too short for the distance, in one pass over an agenda sorted by start."""
    if not agenda:
        return
    longest = agenda[0]
    for previous, current in pairwise(agenda):
        if current.start < longest.end:
            yield "double_booked", longest, current
        elif _too_far(previous, current, schedule):
            yield "travel", previous, current
        if current.end > longest.end:
            longest = current


def _too_far(first: SessionInfo, second: SessionInfo, schedule: Schedule) -> bool:
    a = schedule.rooms.get(first.room_id) if first.room_id else None
    b = schedule.rooms.get(second.room_id) if second.room_id else None
    if a is None or b is None or a.venue_id == b.venue_id:
        return False
    minutes = travel_minutes(schedule.venues.get(a.venue_id), schedule.venues.get(b.venue_id))
    return minutes is not None and (second.start - first.end) < dt.timedelta(minutes=minutes)


def travel_minutes(a: VenueInfo | None, b: VenueInfo | None) -> float | None:
    """Minutes to move between two venues, from their coordinates (None if unknown)."""
    if a is None or b is None or None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371 * math.asin(math.sqrt(h))
    return TRAVEL_FIXED_MINUTES + TRAVEL_MINUTES_PER_KM * km


def _people_message(warning: ScheduleWarning) -> str:
    first, second = warning.sessions
    count = warning.people_count
    if warning.kind == "travel":
        return ngettext(
            "%(count)s participant cannot get from %(first)s to %(second)s in time.",
            "%(count)s participants cannot get from %(first)s to %(second)s in time.",
            count,
        ) % {"count": count, "first": first, "second": second}
    return ngettext(
        "%(count)s participant is expected at %(first)s and %(second)s at once.",
        "%(count)s participants are expected at %(first)s and %(second)s at once.",
        count,
    ) % {"count": count, "first": first, "second": second}


def schedule_of_event(event: Event) -> Schedule:
    """The working schedule's sessions that would be published (neither draft nor
    cancelled), with rooms, venues and active participants, in six queries."""
    sessions = list(
        Session.objects.working()
        .filter(event=event)
        .exclude(status__in=[SessionStatus.DRAFT, SessionStatus.CANCELLED])
        .order_by("start", "code")
    )
    ids = [s.pk for s in sessions]
    delegations: dict[int, list[int]] = defaultdict(list)
    for sid, did in Session.delegations.through.objects.filter(session_id__in=ids).values_list(
        "session_id", "delegation_id"
    ):
        delegations[sid].append(did)
    participants: dict[int, list[int]] = defaultdict(list)
    for sid, pid in Session.participants.through.objects.filter(session_id__in=ids).values_list(
        "session_id", "participant_id"
    ):
        participants[sid].append(pid)
    return Schedule(
        zone=event.zone,
        first_day=event.start_date,
        last_day=event.end_date,
        sessions=[
            SessionInfo(
                id=s.pk,
                code=s.code,
                title=i18n.pick(s.title, get_language(), [event.default_language]),
                room_id=s.room_id,
                start=s.start,
                end=s.end,
                languages=tuple(s.languages),
                roles=tuple(s.roles),
                delegations=tuple(delegations[s.pk]),
                participants=tuple(participants[s.pk]),
                expected_attendance=s.expected_attendance,
            )
            for s in sessions
        ],
        rooms={
            r.pk: RoomInfo(r.pk, r.name, r.capacity, tuple(r.booths), r.venue_id)
            for r in Room.objects.filter(venue__event=event)
        },
        venues={
            v.pk: VenueInfo(
                v.pk,
                v.name,
                float(v.latitude) if v.latitude is not None else None,
                float(v.longitude) if v.longitude is not None else None,
                v.opens,
                v.closes,
            )
            for v in Venue.objects.filter(event=event)
        },
        people=[
            PersonInfo(pid, did, role)
            for pid, did, role in Participant.objects.filter(event=event, is_active=True).values_list(
                "pk", "delegation_id", "role"
            )
        ],
    )


def warnings_for_schedule(*, event: Event) -> list[ScheduleWarning]:
    """Every warning of the event's working schedule, messages in the active language, each
    naming up to ten of the people concerned."""
    warnings = audit(schedule_of_event(event))
    shown = {pid for w in warnings for pid in w.people[:NAMED_PEOPLE]}
    names = {
        p.pk: f"{p.first_name} {p.last_name}"
        for p in Participant.objects.filter(pk__in=shown).only("first_name", "last_name")
    }
    for warning in warnings:
        warning.people_names = [names[pid] for pid in warning.people[:NAMED_PEOPLE] if pid in names]
    return warnings


def warnings_for_session(*, session: Session) -> list[ScheduleWarning]:
    """The warnings of the working schedule that involve ``session``."""
    return [w for w in warnings_for_schedule(event=session.event) if session.code in w.sessions]


__all__ = ["ScheduleWarning", "audit", "travel_minutes", "warnings_for_schedule", "warnings_for_session"]
