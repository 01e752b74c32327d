"""Warnings about the working schedule: the conflicts that do not forbid a write.

A participant (above all a head of delegation) expected in two places at once, directly or
through their delegation or role; a room smaller than the expected audience; languages
without booths; a session outside the event's days or its venue's hours; consecutive
sessions of one participant in venues too far apart for the break between them.

:func:`audit` is pure and runs in O(n log n) over sessions and participants: participants
who share a delegation and a role, and have no session of their own, share one agenda, so
each such group is swept once (sorted by start) instead of each person. Asked only for the
warnings naming some sessions (the one just written), it sweeps only the agendas holding
them, near them in time, and counts only the people of those agendas (:class:`_Scope`).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from itertools import combinations, islice, pairwise
from operator import attrgetter, or_
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import DurationField, ExpressionWrapper, F, Min, Q, QuerySet, Subquery
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from apps.delegations.enums import Role
from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.kernel import i18n
from apps.kernel.db import Among

from .enums import SessionStatus
from .models import Session

# Moving between venues: a fixed 10 minutes plus 3 minutes a kilometre (city traffic).
TRAVEL_FIXED_MINUTES = 10
TRAVEL_MINUTES_PER_KM = 3
# A warning names at most this many people, then says how many more.
NAMED_PEOPLE = 10

K = TypeVar("K")


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


def audit(schedule: Schedule, *, involving: Collection[int] | None = None) -> list[ScheduleWarning]:
    """Every warning of ``schedule``, sessions' own first, then people's, in a stable order.

    With ``involving`` (ids of sessions), only the warnings that name one of those sessions:
    exactly those of the whole audit (same people, counts and order), found by looking only
    at what can change them (:class:`_Scope`), so that checking the session just written
    costs a small part of the whole audit.
    """
    scope = None if involving is None else _Scope.around(schedule, involving)
    people = _People(schedule.people if scope is None else scope.people_concerned(schedule.people))
    warnings = _session_warnings(schedule, people, scope)
    warnings += _people_warnings(schedule, people, scope)
    return warnings


@dataclass(frozen=True)
class _Scope:
    """What the warnings naming some sessions (the targets) depend on, and nothing more.

    Such a warning comes from an agenda that holds a target: that of one of its delegations
    or roles, of a (delegation, role) group of either, or of a person it expects by name;
    only the participants of those agendas are counted and named. In an agenda sorted by
    start, a session starting earlier than a target's start minus the longest session and the
    longest move between venues, or later than its end plus that move, can neither overlap
    it, nor run longest before it, nor be too far from it: agendas keep only the sessions
    starting in those ``windows``. A session of a person's own can clash with a target only
    if it overlaps the target widened by that move on either side (its ``reach``).
    """

    ids: frozenset[int]
    delegations: frozenset[int]
    roles: frozenset[str]
    named: frozenset[int]
    longest: dt.timedelta
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]
    reach: tuple[tuple[dt.datetime, dt.datetime], ...]

    @classmethod
    def around(cls, schedule: Schedule, involving: Collection[int]) -> _Scope:
        ids = frozenset(involving)
        targets = [s for s in schedule.sessions if s.id in ids]
        longest = _longest(schedule.sessions)
        moves = (travel_minutes(a, b) for a, b in combinations(schedule.venues.values(), 2))
        move = dt.timedelta(minutes=max((m for m in moves if m is not None), default=0))
        return cls(
            ids=ids,
            delegations=frozenset(d for s in targets for d in s.delegations),
            roles=frozenset(r for s in targets for r in s.roles),
            named=frozenset(pid for s in targets for pid in s.participants),
            longest=longest,
            windows=_merged((s.start - longest - move, s.end + move) for s in targets),
            reach=_merged((s.start - move, s.end + move) for s in targets),
        )

    def near(self, sessions: Iterable[SessionInfo]) -> list[SessionInfo]:
        """Those of ``sessions`` starting in a window around a target, in their order."""
        if len(self.windows) == 1:  # one session written: a test per session, not a loop
            low, high = self.windows[0]
            return [s for s in sessions if low <= s.start < high]
        return [s for s in sessions if any(low <= s.start < high for low, high in self.windows)]

    def is_within_reach(self, session: SessionInfo) -> bool:
        """Whether ``session`` overlaps the reach of a target."""
        return any(session.start < high and session.end > low for low, high in self.reach)

    def names_a_target(self, first: SessionInfo, second: SessionInfo) -> bool:
        return first.id in self.ids or second.id in self.ids

    def people_concerned(self, people: Sequence[PersonInfo]) -> list[PersonInfo]:
        """The people of the targets' delegations and roles and those they name, in order.

        One pass over every participant: the tests are only those the targets need, since
        each costs as much as the pass itself.
        """
        delegations, roles, named = self.delegations, self.roles, self.named
        if named:
            return [p for p in people if p.delegation_id in delegations or p.role in roles or p.id in named]
        if delegations and roles:
            return [p for p in people if p.delegation_id in delegations or p.role in roles]
        if delegations:
            return [p for p in people if p.delegation_id in delegations]
        return [p for p in people if p.role in roles] if roles else []


def _longest(sessions: Iterable[SessionInfo]) -> dt.timedelta:
    return max((s.end - s.start for s in sessions), default=dt.timedelta(0))


def _first_met(keys: Collection[K], sessions: Iterable[SessionInfo], attribute: str) -> list[K]:
    """``keys`` in the order a walk through ``sessions`` first meets them in ``attribute``
    (``delegations``, ``roles`` or ``participants``)."""
    pending, met = set(keys), list[K]()
    for values in map(attrgetter(attribute), sessions):
        if not pending:
            break
        for key in values:
            if key in pending:
                pending.remove(key)
                met.append(key)
    return met


def _merged(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """Intervals as few disjoint ones, in order."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


class _People:
    """The participants an audit counts and names, in one pass: by (delegation, role) group,
    groups in the order first met, each group's people in the schedule's order (the first
    ten of a delegation, a role or a group are the ones a warning names)."""

    def __init__(self, people: Sequence[PersonInfo]) -> None:
        self.people = people
        self.by_id: dict[int, PersonInfo] = {}
        self.groups: dict[tuple[int | None, str], list[int]] = {}  # positions in ``people``
        for n, person in enumerate(people):
            self.by_id[person.id] = person
            self.groups.setdefault((person.delegation_id, person.role), []).append(n)
        self.groups_of_delegation: dict[int | None, list[list[int]]] = defaultdict(list)
        self.groups_of_role: dict[str, list[list[int]]] = defaultdict(list)
        for (delegation, role), members in self.groups.items():
            self.groups_of_delegation[delegation].append(members)
            self.groups_of_role[role].append(members)

    def _first_and_count(self, groups: Sequence[list[int]]) -> tuple[list[int], int]:
        first = heapq.merge(*groups) if len(groups) > 1 else iter(groups[0] if groups else [])
        return [self.people[n].id for n in islice(first, NAMED_PEOPLE)], sum(map(len, groups))

    def of_delegation(self, delegation: int) -> tuple[list[int], int]:
        """The first ten people of the delegation, and how many it has."""
        return self._first_and_count(self.groups_of_delegation.get(delegation, []))

    def of_role(self, role: str) -> tuple[list[int], int]:
        return self._first_and_count(self.groups_of_role.get(role, []))

    def of_group(self, delegation: int | None, role: str) -> tuple[list[int], int]:
        return self._first_and_count([self.groups[(delegation, role)]] if (delegation, role) in self.groups else [])

    def delegation_size(self, delegation: int) -> int:
        return sum(map(len, self.groups_of_delegation.get(delegation, [])))

    def role_size(self, role: str) -> int:
        return sum(map(len, self.groups_of_role.get(role, [])))

    def group_size(self, delegation: int | None, role: str) -> int:
        return len(self.groups.get((delegation, role), []))


def _session_warnings(schedule: Schedule, people: _People, scope: _Scope | None) -> list[ScheduleWarning]:
    warnings: list[ScheduleWarning] = []
    sessions = schedule.sessions if scope is None else [s for s in schedule.sessions if s.id in scope.ids]
    for session in sessions:
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
            audience = _audience_size(session, people)
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


def _audience_size(session: SessionInfo, people: _People) -> int:
    delegations, roles = set(session.delegations), set(session.roles)
    size = sum(people.delegation_size(d) for d in delegations) + sum(people.role_size(r) for r in roles)
    size -= sum(people.group_size(d, r) for d in delegations for r in roles)
    for pid in session.participants:
        person = people.by_id.get(pid)
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


def _people_warnings(schedule: Schedule, people: _People, scope: _Scope | None) -> list[ScheduleWarning]:
    """Clashes in people's agendas, without walking each person's agenda.

    A person's agenda is the sessions of their delegation (D), of their role (R) and their own
    (P). Clashes inside D concern the whole delegation, inside R every holder of the role:
    each list is swept once. Clashes between D and R concern the people with both, found
    once per (delegation, role). Only the few people with sessions of their own are looked at
    one by one, and only around those sessions (binary search in their group's agenda).

    With a ``scope``, only the agendas holding a target are swept, cut to the windows around
    the targets, and only clashes naming a target are kept; agendas are still met in the
    order of the whole schedule, which decides whom a warning names first.
    """

    def ordered(items: Iterable[SessionInfo]) -> list[SessionInfo]:
        return sorted(items, key=lambda s: (s.start, s.end, s.code))

    def kept(first: SessionInfo, second: SessionInfo) -> bool:
        return scope is None or scope.names_a_target(first, second)

    by_delegation: dict[int, list[SessionInfo]] = defaultdict(list)
    by_role: dict[str, list[SessionInfo]] = defaultdict(list)
    by_person: dict[int, list[SessionInfo]] = defaultdict(list)
    for session in schedule.sessions if scope is None else scope.near(schedule.sessions):
        for d in session.delegations:
            by_delegation[d].append(session)
        for r in session.roles:
            by_role[r].append(session)
        for pid in session.participants:
            by_person[pid].append(session)
    delegations: Iterable[int] = by_delegation
    roles: Iterable[str] = by_role
    persons: Iterable[int] = by_person
    if scope is not None:
        # Agendas met in the order of the whole schedule: it decides whom a warning names first.
        delegations = _first_met(scope.delegations & by_delegation.keys(), schedule.sessions, "delegations")
        roles = _first_met(scope.roles & by_role.keys(), schedule.sessions, "roles")
        persons = _first_met(people.by_id.keys() & by_person.keys(), schedule.sessions, "participants")

    found = _Found()
    for d in delegations:
        members, count = people.of_delegation(d)
        has_head = (d, Role.HEAD) in people.groups
        for kind, first, second in _clashes(ordered(by_delegation[d]), schedule):
            if kept(first, second):
                found.add(kind, first, second, members, count, has_head)
    for r in roles:
        holders, count = people.of_role(r)
        for kind, first, second in _clashes(ordered(by_role[r]), schedule):
            if kept(first, second):
                found.add(kind, first, second, holders, count, r == Role.HEAD)

    agendas: dict[tuple[int | None, str], list[SessionInfo]] = {}

    def agenda_of(group: tuple[int | None, str]) -> tuple[list[SessionInfo], list[SessionInfo], list[SessionInfo]]:
        """The group's agenda, with its delegation's and its role's sessions."""
        delegation, role = group
        own_d = by_delegation.get(delegation, []) if delegation else []
        own_r = by_role.get(role, [])
        if group not in agendas:
            agendas[group] = ordered({s.id: s for s in (*own_d, *own_r)}.values())
        return agendas[group], own_d, own_r

    for group in people.groups:
        delegation, role = group
        if scope is not None and delegation not in scope.delegations and role not in scope.roles:
            continue  # people expected by name only: their group's agenda holds no target
        agenda, own_d, own_r = agenda_of(group)
        if own_d and own_r:
            members, count = people.of_group(delegation, role)
            in_d = {s.id for s in own_d}
            in_r = {s.id for s in own_r}
            for kind, first, second in _clashes(agenda, schedule):
                if {first.id, second.id} <= in_d or {first.id, second.id} <= in_r:
                    continue  # already found for the whole delegation or role
                if kept(first, second):
                    found.add(kind, first, second, members, count, role == Role.HEAD)

    longest = scope.longest if scope is not None else _longest(schedule.sessions)
    starts_of: dict[tuple[int | None, str], list[dt.datetime]] = {}
    for pid in persons:
        person, own = people.by_id.get(pid), by_person[pid]
        if person is None:
            continue
        own_ids = {s.id for s in own}
        if scope is not None and own_ids.isdisjoint(scope.ids):
            # A target is in their group's agenda only: it can clash with those within reach.
            own = [s for s in own if scope.is_within_reach(s)]
            if not own:
                continue
        key = (person.delegation_id, person.role)
        agenda, _own_d, _own_r = agenda_of(key)
        if key not in starts_of:
            starts_of[key] = [s.start for s in agenda]
        for kind, first, second in _own_clashes(ordered(own), agenda, starts_of[key], longest, schedule):
            if (first.id in own_ids or second.id in own_ids) and kept(first, second):
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
    if a is None or b is None:
        return None
    lat1, lon1, lat2, lon2 = a.latitude, a.longitude, b.latitude, b.longitude
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
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


# Past this many sessions, the warnings naming them are looked for in the whole schedule.
AROUND_AT_MOST = 200
# What a loader reads of each session (``SessionInfo``, the audience's ids aside).
_SESSION_COLUMNS = ("pk", "code", "title", "room_id", "start", "end", "languages", "roles", "expected_attendance")


def _audited(event: Event) -> QuerySet[Session]:
    """The working schedule's sessions that would be published: neither draft nor cancelled."""
    return (
        Session.objects.working().filter(event=event).exclude(status__in=[SessionStatus.DRAFT, SessionStatus.CANCELLED])
    )


def _session_infos(event: Event, rows: Iterable[dict[str, Any]], sessions: Q | Among) -> list[SessionInfo]:
    """``rows`` (of :data:`_SESSION_COLUMNS`) as ``SessionInfo``, by start and code, with
    their audiences read from the through tables in the order they were written (two
    queries; ``sessions`` picks the through rows of ``rows``)."""
    delegations: dict[int, list[int]] = defaultdict(list)
    for sid, did in (
        Session.delegations.through.objects.filter(sessions).order_by("pk").values_list("session_id", "delegation_id")
    ):
        delegations[sid].append(did)
    participants: dict[int, list[int]] = defaultdict(list)
    for sid, pid in (
        Session.participants.through.objects.filter(sessions).order_by("pk").values_list("session_id", "participant_id")
    ):
        participants[sid].append(pid)
    language, fallbacks = get_language(), [event.default_language]
    infos = [
        SessionInfo(
            id=row["pk"],
            code=row["code"],
            title=i18n.pick(row["title"], language, fallbacks),
            room_id=row["room_id"],
            start=row["start"],
            end=row["end"],
            languages=tuple(row["languages"]),
            roles=tuple(row["roles"]),
            delegations=tuple(delegations[row["pk"]]),
            participants=tuple(participants[row["pk"]]),
            expected_attendance=row["expected_attendance"],
        )
        for row in rows
    ]
    infos.sort(key=lambda s: (s.start, s.code))
    return infos


def _rooms(event: Event) -> dict[int, RoomInfo]:
    return {
        pk: RoomInfo(pk, name, capacity, tuple(booths), venue_id)
        for pk, name, capacity, booths, venue_id in Room.objects.filter(venue__event=event).values_list(
            "pk", "name", "capacity", "booths", "venue_id"
        )
    }


def _venues(event: Event) -> dict[int, VenueInfo]:
    return {
        v.pk: VenueInfo(
            v.pk,
            v.name,
            float(v.latitude) if v.latitude is not None else None,
            float(v.longitude) if v.longitude is not None else None,
            v.opens,
            v.closes,
        )
        for v in Venue.objects.filter(event=event)
    }


def _people(event: Event, rule: Q | None = None) -> list[PersonInfo]:
    """The event's active participants (those matching ``rule``), in the participants' order."""
    people = Participant.objects.filter(event=event, is_active=True)
    if rule is not None:
        people = people.filter(rule)
    # The participants' own order, without its leading event (one here), which costs a join.
    people = people.order_by(*(name for name in Participant._meta.ordering or () if name != "event"))
    return [PersonInfo(pid, did, role) for pid, did, role in people.values_list("pk", "delegation_id", "role")]


def schedule_of_event(event: Event) -> Schedule:
    """The working schedule's sessions that would be published (neither draft nor
    cancelled), with rooms, venues and active participants, in six queries."""
    sessions = _audited(event)
    return Schedule(
        zone=event.zone,
        first_day=event.start_date,
        last_day=event.end_date,
        sessions=_session_infos(
            event, sessions.values(*_SESSION_COLUMNS), Q(session_id__in=sessions.order_by().values("pk"))
        ),
        rooms=_rooms(event),
        venues=_venues(event),
        people=_people(event),
    )


def schedule_around(event: Event, ids: Collection[int]) -> Schedule:
    """The part of :func:`schedule_of_event` that ``audit(schedule, involving=ids)`` reads, so
    that it answers exactly as on the whole schedule, in at most 13 queries whatever the
    schedule's size.

    That is (see :class:`_Scope`): the sessions ``ids`` (the targets); the longest session,
    since the windows around the targets depend on its length; the sessions starting in those
    windows; every room and venue; and only the participants of the targets' delegations and
    roles and those they name. The audit meets agendas in the order of the whole schedule,
    which decides whom a warning names first: for each delegation, role and person it may
    meet, every session starting at the instant the whole schedule first names it is read
    too, so that a walk through the sessions read meets them in the same order.
    """
    audited = _audited(event)
    rooms, venues = _rooms(event), _venues(event)
    by_length = audited.annotate(
        length=ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    ).order_by("-length", "pk")
    targets = list(
        audited.filter(Among("pk", ids))
        .annotate(
            longest=Subquery(by_length.values("pk")[:1]),
            longest_length=Subquery(by_length.values("length")[:1], output_field=DurationField()),
        )
        .values("pk", "start", "end", "longest", "longest_length")
    )
    if not targets:
        return Schedule(event.zone, event.start_date, event.end_date, [], rooms, venues, [])
    longest, length = targets[0]["longest"], targets[0]["longest_length"]
    moves = (travel_minutes(a, b) for a, b in combinations(venues.values(), 2))
    move = dt.timedelta(minutes=max((m for m in moves if m is not None), default=0))
    windows = _merged((t["start"] - length - move, t["end"] + move) for t in targets)
    near = reduce(or_, (Q(start__gte=low, start__lt=high) for low, high in windows))
    rows = list(audited.filter(near | Q(pk=longest)).values(*_SESSION_COLUMNS))
    sessions = _session_infos(event, rows, Among("session_id", [row["pk"] for row in rows]))
    target_ids = {t["pk"] for t in targets}
    of_targets = [s for s in sessions if s.id in target_ids]
    delegations = {d for s in of_targets for d in s.delegations}
    roles = {r for s in of_targets for r in s.roles}
    named = {p for s in of_targets for p in s.participants}
    people: list[PersonInfo] = []
    if delegations or roles or named:
        people = _people(event, Q(delegation_id__in=delegations) | Q(role__in=roles) | Q(Among("pk", named)))
    concerned = {p.id for p in people}
    persons = {pid for s in sessions for pid in s.participants if pid in concerned}
    instants = _first_named(audited, delegations=delegations, roles=roles, persons=persons)
    more = list(
        audited.filter(start__in=instants).exclude(Among("pk", [s.id for s in sessions])).values(*_SESSION_COLUMNS)
    )
    if more:
        sessions = sorted(
            [*sessions, *_session_infos(event, more, Among("session_id", [row["pk"] for row in more]))],
            key=lambda s: (s.start, s.code),
        )
    return Schedule(event.zone, event.start_date, event.end_date, sessions, rooms, venues, people)


def _first_named(
    audited: QuerySet[Session], *, delegations: Collection[int], roles: Collection[str], persons: Collection[int]
) -> set[dt.datetime]:
    """The instants at which the sessions of ``audited`` first name each of ``delegations``,
    ``roles`` and ``persons`` in their audience: a query for each kind asked."""
    instants: set[dt.datetime] = set()
    ids = audited.order_by().values("pk")
    for through, column, keys in (
        (Session.delegations.through, "delegation_id", delegations),
        (Session.participants.through, "participant_id", persons),
    ):
        if keys:
            # The first start of each key's sessions (grouped by key: one row each).
            firsts: Any = through.objects.filter(Among(column, keys), session_id__in=ids).values(column)
            instants.update(firsts.annotate(first=Min("session__start")).values_list("first", flat=True))
    if roles:
        # ``roles`` is a JSON list of role names: its text holds each quoted (as in selectors).
        firsts = audited.aggregate(
            **{f"role_{n}": Min("start", filter=Q(roles__icontains=f'"{role}"')) for n, role in enumerate(roles)}
        )
        instants.update(first for first in firsts.values() if first is not None)
    return instants


def warnings_for_schedule(*, event: Event) -> list[ScheduleWarning]:
    """Every warning of the event's working schedule, messages in the active language, each
    naming up to ten of the people concerned."""
    return _named(audit(schedule_of_event(event)))


def warnings_for_session(*, session: Session) -> list[ScheduleWarning]:
    """The warnings of the working schedule that involve ``session``: those of
    :func:`warnings_for_schedule` that name it, the audit looking at that session only."""
    return warnings_for_sessions(event=session.event, ids={session.pk})


def warnings_for_sessions(*, event: Event, ids: Collection[int]) -> list[ScheduleWarning]:
    """The warnings of the working schedule that name one of the sessions ``ids``: the
    audit reads the part of the schedule around them (:func:`schedule_around`), or the
    whole schedule when they are more than :data:`AROUND_AT_MOST` (a publication of many
    changes), which reads it faster than the parts around each."""
    if not ids:
        return []
    schedule = schedule_around(event, ids) if len(ids) <= AROUND_AT_MOST else schedule_of_event(event)
    return _named(audit(schedule, involving=ids))


def _named(warnings: list[ScheduleWarning]) -> list[ScheduleWarning]:
    """``warnings``, each with the names of the first ten people it concerns."""
    shown = {pid for w in warnings for pid in w.people[:NAMED_PEOPLE]}
    names = {
        p.pk: f"{p.first_name} {p.last_name}"
        for p in Participant.objects.filter(pk__in=shown).only("first_name", "last_name")
    }
    for warning in warnings:
        warning.people_names = [names[pid] for pid in warning.people[:NAMED_PEOPLE] if pid in names]
    return warnings


__all__ = [
    "ScheduleWarning",
    "audit",
    "schedule_around",
    "schedule_of_event",
    "travel_minutes",
    "warnings_for_schedule",
    "warnings_for_session",
    "warnings_for_sessions",
]
