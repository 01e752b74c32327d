"""An assembly at the size of the largest UN conferences, drawn as plain data from a seed.

:func:`assembly_plan` draws the rooms, delegations, participants and working programme of
an assembly of four days; :func:`revision_plan` the changes an organizer makes before each
new version (moves, cancellations, drafts confirmed, descriptions). Nothing here touches
the database: :mod:`apps.programme.services.scale` writes the plan in bulk.

Every choice comes from one ``random.Random(seed)`` in a fixed order, so the same seed and
sizes give the same plan: the same codes, rooms and times. The plan keeps the rules the
database keeps and those a schedule is warned about:

- no room holds two sessions at once, also after moves (a moved session goes to space never
  used before, so no order of updates passes through a clash);
- every session with a room lies within the venues' opening hours, on the event's days;
- rooms seat the expected attendance; a session in several languages has their booths;
- a delegation, a role or a person invited by name is expected in two places at once, or
  without half an hour to walk between venues, only where no free time was found: at full
  size the schedule's audit finds about 120 warnings, nearly all of too little time to
  walk between venues, and about 250 after three rounds of moves. Elections and heads'
  plenaries keep every delegation free.

Rooms are as many as the programme fills at 80% (bilaterals on three days, the fourth
being the elections'): 5,000 sessions in four days of 13 hours take about 130 rooms in
three venues; 40 rooms would leave each session 25 minutes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django_countries.data import COUNTRIES

from apps.delegations.enums import DelegationKind, Region, Role
from apps.events.enums import RoomKind

from .enums import SessionKind, SessionStatus, Visibility
from .models import CODE_ALPHABET

LANGUAGES = ("ar", "en", "fr", "es")
ZONE = "America/New_York"
FIRST_DAY = dt.date(2026, 6, 15)
DAYS = 4
VENUE_OPENS, VENUE_CLOSES = dt.time(7, 30), dt.time(21, 30)
# Sessions with a room run from 08:00 to 21:00 local time, within the venues' hours.
DAY_STARTS = dt.time(8, 0)
LANE_MINUTES = 13 * 60
CELL_MINUTES = 30  # a bilateral's slot, and the grain at which people are kept free
CELLS = LANE_MINUTES // CELL_MINUTES
OCCUPANCY = 0.8
MEMBER_REGIONS = tuple(r for r in Region.values if r != Region.INTERNATIONAL)
# (name, latitude, longitude): a few minutes' walk apart.
VENUES = (
    ("Assembly Building", "40.749300", "-73.968000"),
    ("Conference Building", "40.750100", "-73.967300"),
    ("Delegations Pavilion", "40.748500", "-73.969400"),
)
EVERY_DELEGATION = -1  # busy key: a session of every delegation's heads (elections)

FIRST_NAMES = (
    "Amina", "Karim", "Youssef", "Fatima", "Omar", "Leila", "Hassan", "Nadia",
    "John", "Mary", "James", "Sarah", "Peter", "Emma", "David", "Grace",
    "Jean", "Marie", "Pierre", "Sophie", "Luc", "Claire", "Louis", "Camille",
    "Carlos", "Lucía", "Javier", "Elena", "Diego", "Sofía", "Mateo", "Isabel",
)  # fmt: skip
LAST_NAMES = (
    "Alaoui", "Benali", "Haddad", "Mansour", "Smith", "Brown", "Taylor", "Wilson",
    "Martin", "Bernard", "Dubois", "Moreau", "García", "López", "Martínez", "Sánchez",
    "Rossi", "Novak", "Kowalski", "Tanaka", "Kim", "Nguyen", "Okafor", "Mensah",
    "Silva", "Costa", "Jensen", "Larsen", "Ivanova", "Petrov", "Ahmed", "Diallo",
)  # fmt: skip

Text = dict[str, str]


class AssemblyTooSmall(ValueError):
    """Sizes that cannot make an assembly."""


# A text in English, French, Spanish and Arabic: ``str.format`` templates.
Templates = tuple[str, str, str, str]


def _text(templates: Templates, values: dict[str, object]) -> Text:
    en, fr, es, ar = (template.format(**values) for template in templates)
    return {"ar": ar, "en": en, "fr": fr, "es": es}


@dataclass(frozen=True)
class RoomPlan:
    venue: int  # index in VENUES
    name: str
    kind: str
    capacity: int
    booths: tuple[str, ...]


@dataclass(frozen=True)
class DelegationPlan:
    kind: str
    country: str
    organisation: Text
    region: str
    label: str  # how session titles name it


@dataclass(frozen=True)
class ParticipantPlan:
    delegation: int | None  # index in AssemblyPlan.delegations
    role: str
    first_name: str
    last_name: str
    language: str
    is_active: bool


@dataclass
class SessionPlan:
    """A session of the working programme; revisions change it in place."""

    code: str
    kind: str
    title: Text
    room: int | None  # index in AssemblyPlan.rooms
    day: int
    minute: int  # from DAY_STARTS
    minutes: int
    status: str
    visibility: str
    languages: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    for_everyone: bool = False
    for_member_delegations: bool = False
    expected_attendance: int | None = None
    delegations: tuple[int, ...] = ()
    participants: tuple[int, ...] = ()
    description: Text = field(default_factory=dict)
    # Who must be free at its time (delegation indexes, roles, EVERY_DELEGATION).
    keys: tuple[object, ...] = ()

    def start(self, zone: dt.tzinfo) -> dt.datetime:
        day = FIRST_DAY + dt.timedelta(days=self.day)
        return dt.datetime.combine(day, DAY_STARTS, tzinfo=zone) + dt.timedelta(minutes=self.minute)

    def end(self, zone: dt.tzinfo) -> dt.datetime:
        return self.start(zone) + dt.timedelta(minutes=self.minutes)


@dataclass
class AssemblyPlan:
    rooms: list[RoomPlan]
    delegations: list[DelegationPlan]
    participants: list[ParticipantPlan]
    sessions: list[SessionPlan]
    timetable: _Timetable
    rng: random.Random


@dataclass(frozen=True)
class Revision:
    """What :func:`revision_plan` changed, by index in ``AssemblyPlan.sessions``."""

    moved: tuple[int, ...]
    cancelled: tuple[int, ...]
    confirmed: tuple[int, ...]
    described: tuple[int, ...]

    @property
    def changed(self) -> list[int]:
        return sorted({*self.moved, *self.cancelled, *self.confirmed, *self.described})


class _Timetable:
    """Where sessions may still go: each room's day is a lane filled from the morning on
    (plenary halls, meeting rooms) or a row of half-hour cells (bilateral rooms); and when
    each delegation and role is busy, by half-hour cell."""

    def __init__(self, rooms: list[RoomPlan]) -> None:
        self.rooms = rooms
        self.cursor: dict[tuple[int, int], int] = {}
        self.limit: dict[tuple[int, int], int] = {}
        self.free_cells: dict[tuple[int, int], list[int]] = {}
        self.busy: dict[object, set[tuple[int, int]]] = {}
        for index in range(len(rooms)):
            self._open(index)

    def add_room(self, room: RoomPlan) -> int:
        self.rooms.append(room)
        self._open(len(self.rooms) - 1)
        return len(self.rooms) - 1

    def _open(self, index: int) -> None:
        for day in range(DAYS):
            if self.rooms[index].kind == RoomKind.BILATERAL:
                for cell in range(CELLS):
                    self.free_cells.setdefault((day, cell), []).append(index)
            else:
                self.cursor[index, day] = 0

    @staticmethod
    def cells(minute: int, minutes: int) -> range:
        return range(minute // CELL_MINUTES, math.ceil((minute + minutes) / CELL_MINUTES))

    def is_free(self, keys: Sequence[object], members: Sequence[object], day: int, minute: int, minutes: int) -> bool:
        """Whether none of ``keys`` and ``members`` is held at that time, nor, when ``keys``
        name a delegation, a session that every delegation attends; nor a session that a
        member of a delegation or holder of a role in ``keys`` is invited to."""
        held = [self.busy[key] for key in (*keys, *members) if key in self.busy]
        if EVERY_DELEGATION in self.busy and any(isinstance(key, int) for key in keys):
            held.append(self.busy[EVERY_DELEGATION])
        held += [self.busy[("members", key)] for key in keys if ("members", key) in self.busy]
        places = {(day, cell) for cell in self.cells(minute, minutes)}
        return all(places.isdisjoint(cells) for cells in held)

    def hold(self, keys: Sequence[object], day: int, minute: int, minutes: int) -> None:
        for key in keys:
            self.busy.setdefault(key, set()).update((day, cell) for cell in self.cells(minute, minutes))

    def _first_free(
        self, places: Sequence[tuple[int, int]], minutes: int, keys: Sequence[object], members: Sequence[object]
    ) -> tuple[int, int] | None:
        """The first of ``places`` (day, minute) where ``keys`` and ``members`` are free with
        half an hour on each side to walk between venues, else the first where they are free."""
        for margin in (CELL_MINUTES, 0):
            for day, minute in places:
                if self.is_free(keys, members, day, minute - margin, minutes + 2 * margin):
                    return day, minute
        return None

    def in_lane(
        self,
        rng: random.Random,
        kind: str,
        minutes: int,
        keys: Sequence[object],
        members: Sequence[object] = (),
        *,
        days: Sequence[int] = range(DAYS),
        strict: bool = False,
    ) -> tuple[int, int, int] | None:
        """A place (room, day, minute) at the end of a lane of rooms of ``kind`` on
        ``days``, the emptiest where ``keys`` and ``members`` are free, else (unless
        ``strict``) the emptiest; ``None`` when there is none. ``keys`` are held there."""
        lanes = sorted(
            (cursor, room, day)
            for (room, day), cursor in self.cursor.items()
            if self.rooms[room].kind == kind
            and day in days
            and cursor + minutes <= self.limit.get((room, day), LANE_MINUTES)
        )
        free = self._first_free([(day, cursor) for cursor, _room, day in lanes], minutes, keys, members)
        if free is None and (strict or not lanes):
            return None
        minute, room, day = next(lane for lane in lanes if (lane[2], lane[0]) == free) if free else lanes[0]
        self.cursor[room, day] = minute + minutes + rng.choice((0, 15, 15, 30))
        self.hold(keys, day, minute, minutes)
        return room, day, minute

    def in_cell(
        self, rng: random.Random, keys: Sequence[object], members: Sequence[object] = (), *, strict: bool = False
    ) -> tuple[int, int, int] | None:
        """A bilateral room for half an hour at a time drawn among those where ``keys`` and
        ``members`` are free, else (unless ``strict``) at any time; ``None`` when there is
        none. ``keys`` are held there."""
        order = rng.sample(sorted(self.free_cells), len(self.free_cells))
        open_cells = [(day, cell * CELL_MINUTES) for day, cell in order if self.free_cells[day, cell]]
        free = self._first_free(open_cells, CELL_MINUTES, keys, members)
        if free is None and (strict or not open_cells):
            return None
        day, minute = free or open_cells[0]
        rooms = self.free_cells[day, minute // CELL_MINUTES]
        room = rooms.pop(rng.randrange(len(rooms)))
        self.hold(keys, day, minute, CELL_MINUTES)
        return room, day, minute


def _kinds(sessions: int, delegations: int) -> list[str]:
    """The programme's kinds of session in the order they are placed: those of every
    delegation, a region or a role first, then bilaterals (five a day for a delegation on
    average), then those of people by name, who are invited where they and their
    delegation are free; side events make up the rest."""
    counts = {
        SessionKind.CEREMONY: 2,
        SessionKind.ELECTION: max(1, sessions // 1250),
        SessionKind.PLENARY: max(1, sessions // 100),
        SessionKind.REGIONAL: min(len(MEMBER_REGIONS) * DAYS, max(1, sessions // 250)),
        SessionKind.OTHER: max(1, sessions // 200),
        SessionKind.BILATERAL: sessions * 40 // 100,
        SessionKind.COMMITTEE: sessions * 15 // 100,
        SessionKind.SIDE_EVENT: 0,
        SessionKind.SOCIAL: max(1, sessions // 20),
    }
    counts[SessionKind.BILATERAL] = min(counts[SessionKind.BILATERAL], delegations * 5 * DAYS // 2)
    counts[SessionKind.SIDE_EVENT] = sessions - sum(counts.values())
    return [kind for kind, count in counts.items() for _ in range(count)]


_MINUTES: dict[str, tuple[int, ...]] = {
    SessionKind.CEREMONY: (90,),
    SessionKind.ELECTION: (120,),
    SessionKind.PLENARY: (120, 150, 180),
    SessionKind.REGIONAL: (90,),
    SessionKind.OTHER: (60,),
    SessionKind.SOCIAL: (120,),
    SessionKind.SIDE_EVENT: (45, 60, 60, 90),
    SessionKind.COMMITTEE: (60, 90, 120),
    SessionKind.BILATERAL: (30,),
}
_ROOM_KIND: dict[str, RoomKind | None] = {
    SessionKind.CEREMONY: RoomKind.PLENARY,
    SessionKind.ELECTION: RoomKind.PLENARY,
    SessionKind.PLENARY: RoomKind.PLENARY,
    SessionKind.BILATERAL: RoomKind.BILATERAL,
    SessionKind.SOCIAL: None,
}


def _rooms(rng: random.Random, kinds: list[str]) -> list[RoomPlan]:
    """As many rooms of each kind as the programme fills at :data:`OCCUPANCY`, counting a
    quarter of an hour between sessions; bilaterals fill three days, the last one being
    the elections'."""
    minutes = {RoomKind.PLENARY: 0.0, RoomKind.MEETING: 0.0}
    bilaterals = 0
    for kind in kinds:
        room_kind = _ROOM_KIND.get(kind, RoomKind.MEETING)
        if room_kind == RoomKind.BILATERAL:
            bilaterals += 1
        elif room_kind is not None:
            minutes[room_kind] += sum(_MINUTES[kind]) / len(_MINUTES[kind]) + 15
    per_room = LANE_MINUTES * DAYS * OCCUPANCY
    rooms: list[RoomPlan] = []
    for n in range(max(1, math.ceil(minutes[RoomKind.PLENARY] / per_room))):
        capacity = 3000 if n == 0 else rng.choice((1200, 1500, 2000))
        rooms.append(RoomPlan(0, f"Hall {n + 1}", RoomKind.PLENARY, capacity, LANGUAGES))
    for n in range(max(1, math.ceil(minutes[RoomKind.MEETING] / per_room))):
        rooms.append(_meeting_room(rng, n))
    for n in range(max(1, math.ceil(bilaterals / (CELLS * (DAYS - 1) * OCCUPANCY)))):
        rooms.append(_bilateral_room(rng, n))
    return rooms


def _meeting_room(rng: random.Random, n: int) -> RoomPlan:
    booths = rng.choice((LANGUAGES, LANGUAGES, ("en", "fr"), ("ar", "en"), ("en", "es"), (), (), ()))
    return RoomPlan(n % 2, f"Room {n + 1:02d}", RoomKind.MEETING, rng.choice((40, 80, 120, 200, 400)), booths)


def _bilateral_room(rng: random.Random, n: int) -> RoomPlan:
    return RoomPlan(1, f"Bilateral {n + 1:02d}", RoomKind.BILATERAL, rng.choice((12, 16, 20)), ())


def _delegations(rng: random.Random, count: int) -> list[DelegationPlan]:
    members = min(len(COUNTRIES), max(1, round(count * 0.9)))
    countries = sorted(rng.sample(sorted(COUNTRIES), members))
    found = [DelegationPlan(DelegationKind.MEMBER, c, {}, rng.choice(MEMBER_REGIONS), c) for c in countries]
    for n in range(1, count - members + 1):
        organisation = _text(_ORGANISATION, {"n": n})
        found.append(DelegationPlan(DelegationKind.OBSERVER, "", organisation, Region.INTERNATIONAL, f"ORG{n}"))
    return found


def _participants(rng: random.Random, delegations: list[DelegationPlan], count: int) -> list[ParticipantPlan]:
    """Every delegation has its head (active), members an alternate and a delegate at
    least; secretariat staff (interpreters, liaison officers) have no delegation."""
    staff = max(2, count * 2 // 100)
    least = [3 if d.kind == DelegationKind.MEMBER else 2 for d in delegations]
    spare = count - staff - sum(least)
    if spare < 0:
        raise AssemblyTooSmall(f"{count} participants are too few for {len(delegations)} delegations")
    weights = [
        rng.uniform(0.3, 3.0) if d.kind == DelegationKind.MEMBER else rng.uniform(0.05, 0.3) for d in delegations
    ]
    sizes = [n + math.floor(spare * w / sum(weights)) for n, w in zip(least, weights, strict=True)]
    sizes[0] += count - staff - sum(sizes)
    languages = rng.choices(LANGUAGES, weights=(15, 50, 20, 15), k=count)
    people: list[ParticipantPlan] = []

    def add(delegation: int | None, role: str) -> None:
        n = len(people)
        active = role == Role.HEAD or rng.random() >= 0.01
        people.append(
            ParticipantPlan(delegation, role, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), languages[n], active)
        )

    for index, (delegation, size) in enumerate(zip(delegations, sizes, strict=True)):
        add(index, Role.HEAD)
        if delegation.kind != DelegationKind.MEMBER:
            for _ in range(size - 1):
                add(index, Role.OBSERVER)
            continue
        alternates = min(3, 1 + size // 300)
        for _ in range(alternates):
            add(index, Role.ALTERNATE)
        for _ in range(size - 1 - alternates):
            add(index, Role.DELEGATE if rng.random() < 0.6 else Role.ADVISER)
    for n in range(staff):
        add(None, Role.INTERPRETER if n % 3 else Role.LIAISON)
    return people


def _codes(rng: random.Random, count: int) -> list[str]:
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


_ORGANISATION: Templates = (
    "Observer organisation {n}",
    "Organisation observatrice {n}",
    "Organización observadora {n}",
    "المنظمة المراقبة {n}",
)
_UPDATED: Templates = (
    "Agenda updated for version {v}.",
    "Ordre du jour mis à jour pour la version {v}.",
    "Orden del día actualizado para la versión {v}.",
    "جدول الأعمال محدث للإصدار {v}.",
)
_CEREMONIES: dict[int, Templates] = {
    1: ("Opening ceremony", "Cérémonie d'ouverture", "Ceremonia de apertura", "حفل الافتتاح"),
    2: ("Closing ceremony", "Cérémonie de clôture", "Ceremonia de clausura", "حفل الاختتام"),
}
_TITLES: dict[str, Templates] = {
    SessionKind.ELECTION: ("Election {n}", "Élection {n}", "Elección {n}", "الانتخاب {n}"),
    SessionKind.PLENARY: ("Plenary meeting {n}", "Séance plénière {n}", "Sesión plenaria {n}", "الجلسة العامة {n}"),
    SessionKind.REGIONAL: (
        "Regional conference {n}",
        "Conférence régionale {n}",
        "Conferencia regional {n}",
        "المؤتمر الإقليمي {n}",
    ),
    SessionKind.OTHER: ("Briefing {n}", "Séance d'information {n}", "Sesión informativa {n}", "إحاطة {n}"),
    SessionKind.SOCIAL: ("Reception {n}", "Réception {n}", "Recepción {n}", "حفل استقبال {n}"),
    SessionKind.SIDE_EVENT: ("Side event {n}", "Manifestation parallèle {n}", "Evento paralelo {n}", "حدث جانبي {n}"),
    SessionKind.COMMITTEE: (
        "Committee meeting {n}",
        "Réunion de commission {n}",
        "Reunión de comisión {n}",
        "اجتماع اللجنة {n}",
    ),
    SessionKind.BILATERAL: (
        "Bilateral {n}: {a} – {b}",
        "Bilatérale {n} : {a} – {b}",
        "Bilateral {n}: {a} – {b}",
        "اجتماع ثنائي {n}: {a} – {b}",
    ),
}


def _status(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.02:
        return SessionStatus.CANCELLED
    if draw < 0.05:
        return SessionStatus.DRAFT
    return SessionStatus.TENTATIVE if draw < 0.15 else SessionStatus.CONFIRMED


def assembly_plan(*, seed: int, delegations: int, participants: int, sessions: int) -> AssemblyPlan:
    """The whole assembly for these sizes, the same for the same seed.

    Raises :class:`AssemblyTooSmall` when the sizes cannot make an assembly (fewer than 2 delegations
    or 20 sessions, or too few participants for a head, an alternate and a delegate in each
    member delegation).
    """
    if delegations < 2 or sessions < 20:
        raise AssemblyTooSmall("an assembly needs 2 delegations and 20 sessions at least")
    # A repeatable draw on purpose (the same seed builds the same assembly); nothing here is secret.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    kinds = _kinds(sessions, delegations)
    rooms = _rooms(rng, kinds)
    found_delegations = _delegations(rng, delegations)
    people = _participants(rng, found_delegations, participants)
    plan = AssemblyPlan(rooms, found_delegations, people, [], _Timetable(rooms), rng)
    codes = _codes(rng, sessions)
    numbers: dict[str, int] = {}
    for code, kind in zip(codes, kinds, strict=True):
        numbers[kind] = numbers.get(kind, 0) + 1
        plan.sessions.append(_session(plan, code, kind, numbers[kind]))
    return plan


def _session(plan: AssemblyPlan, code: str, kind: str, n: int) -> SessionPlan:
    rng = plan.rng
    session = SessionPlan(
        code=code,
        kind=kind,
        title={},
        room=None,
        day=0,
        minute=0,
        minutes=rng.choice(_MINUTES[kind]),
        status=SessionStatus.CONFIRMED if kind == SessionKind.CEREMONY else _status(rng),
        visibility=Visibility.PARTICIPANTS,
    )
    keys: list[object] = []
    invited = committee_delegations = 0
    if kind == SessionKind.CEREMONY:
        session.for_everyone, session.visibility = True, Visibility.PUBLIC
    elif kind == SessionKind.ELECTION:
        session.roles, keys = [Role.HEAD], [Role.HEAD, EVERY_DELEGATION]
    elif kind == SessionKind.PLENARY:
        session.for_member_delegations, session.visibility = True, Visibility.PUBLIC
        if n % 25 == 0:
            session.roles, keys = [Role.HEAD, Role.ALTERNATE], [Role.HEAD, Role.ALTERNATE, EVERY_DELEGATION]
    elif kind == SessionKind.REGIONAL:
        region = MEMBER_REGIONS[(n - 1) % len(MEMBER_REGIONS)]
        session.delegations = tuple(i for i, d in enumerate(plan.delegations) if d.region == region)
        keys = list(session.delegations)
    elif kind == SessionKind.OTHER:
        session.roles = [Role.INTERPRETER if n % 2 else Role.LIAISON]
        keys = list(session.roles)
    elif kind == SessionKind.SOCIAL:
        session.visibility = Visibility.PARTICIPANTS
        if n % 3 == 0:
            invited, session.visibility = rng.randint(30, 150), Visibility.RESTRICTED
        else:
            session.for_everyone = True
    elif kind == SessionKind.SIDE_EVENT:
        invited = rng.randint(10, 60)
        session.visibility = rng.choice(
            (Visibility.PUBLIC,) * 6 + (Visibility.PARTICIPANTS,) * 3 + (Visibility.RESTRICTED,)
        )
    elif kind == SessionKind.COMMITTEE:
        committee_delegations, invited = rng.randint(0, 3), rng.randint(5, 25)
        session.visibility = Visibility.RESTRICTED if rng.random() < 0.1 else Visibility.PARTICIPANTS
    elif kind == SessionKind.BILATERAL:
        session.delegations = tuple(sorted(rng.sample(range(len(plan.delegations)), 2)))
        session.visibility = Visibility.RESTRICTED if rng.random() < 0.9 else Visibility.PARTICIPANTS
        keys = list(session.delegations)
    names: dict[str, object] = {"n": n}
    if kind == SessionKind.BILATERAL:
        first, second = (plan.delegations[i].label for i in session.delegations)
        names.update(a=first, b=second)
    session.title = _text(_CEREMONIES[n] if kind == SessionKind.CEREMONY else _TITLES[kind], names)
    session.keys = tuple(keys)
    _place(plan, session, n)
    if committee_delegations:
        count = min(committee_delegations, len(plan.delegations))
        session.delegations = _free_ones(plan, session, count, len(plan.delegations), lambda d: ([d], ()))
    if invited:
        people = len(plan.participants)
        session.participants = _free_ones(plan, session, min(invited, people), people, _person_need(plan))
    _fit_room(plan, session)
    return session


# Who must be free for a session: keys (held for it) and members (only checked, held as
# ("members", member), so that a session of the delegation or role keeps clear of them).
Need = tuple[Sequence[object], Sequence[object]]


def _free_ones(
    plan: AssemblyPlan, session: SessionPlan, count: int, population: int, need: Callable[[int], Need]
) -> tuple[int, ...]:
    """Up to ``count`` of ``range(population)`` free at the session's time with half an
    hour on each side to walk between venues (``need`` says who must be free for each);
    each one is then held, and as a member of its ``need``'s members. Ten draws a place
    at most: then the session has fewer."""
    rng, timetable = plan.rng, plan.timetable
    minute, minutes = session.minute - CELL_MINUTES, session.minutes + 2 * CELL_MINUTES
    chosen: dict[int, Need] = {}
    free_members: dict[tuple[object, ...], bool] = {}  # many draws share a role and delegation
    for _ in range(count * 10):
        if len(chosen) == count:
            break
        n = rng.randrange(population)
        keys, members = need(n)
        if n in chosen:
            continue
        group = tuple(members)
        if group not in free_members:
            free_members[group] = timetable.is_free((), members, session.day, minute, minutes)
        if free_members[group] and timetable.is_free(keys, (), session.day, minute, minutes):
            chosen[n] = keys, members
    for keys, members in chosen.values():
        held = [*keys, *(("members", member) for member in members)]
        timetable.hold(held, session.day, session.minute, session.minutes)
    return tuple(sorted(chosen))


def _person_need(plan: AssemblyPlan) -> Callable[[int], Need]:
    """A person invited by name: their role and delegation must be free, but sessions of
    every delegation block them only if they hold its role (heads)."""

    def need(n: int) -> Need:
        person = plan.participants[n]
        if person.delegation is None:
            return [("person", n)], [person.role]
        return [("person", n)], [person.role, person.delegation]

    return need


def _place(plan: AssemblyPlan, session: SessionPlan, n: int) -> None:
    """Give ``session`` a room and a time; opening and closing ceremonies, elections and
    regional conferences go on given days, receptions in the evening without a room."""
    rng, timetable = plan.rng, plan.timetable
    if session.kind == SessionKind.SOCIAL:
        session.day, session.minute = rng.randrange(DAYS), 11 * 60  # 19:00, off the venues
        return
    if session.kind == SessionKind.CEREMONY:
        # The opening at 09:00 on the first day; the closing ends the last day at 19:30.
        day = 0 if n == 1 else DAYS - 1
        minute = 60 if n == 1 else LANE_MINUTES - 90 - session.minutes
        if n == 1:
            timetable.cursor[0, day] = minute + session.minutes + 30
        else:
            timetable.limit[0, day] = minute
        timetable.hold([EVERY_DELEGATION], day, minute, session.minutes)
        session.room, session.day, session.minute = 0, day, minute
        return
    days: Sequence[int] = range(DAYS)
    if session.kind == SessionKind.ELECTION:
        days = [DAYS - 1]
    elif session.kind == SessionKind.REGIONAL:
        days = [(n - 1) // len(MEMBER_REGIONS) % (DAYS - 1)]  # not on the elections' day
    room_kind = _ROOM_KIND.get(session.kind, RoomKind.MEETING)
    while True:
        if room_kind == RoomKind.BILATERAL:
            place = timetable.in_cell(rng, session.keys)
        else:
            place = timetable.in_lane(rng, str(room_kind), session.minutes, session.keys, days=days)
        if place is not None:
            session.room, session.day, session.minute = place
            return
        count = sum(1 for r in plan.rooms if r.kind == room_kind)
        if room_kind == RoomKind.BILATERAL:
            timetable.add_room(_bilateral_room(rng, count))
        elif room_kind == RoomKind.MEETING:
            timetable.add_room(_meeting_room(rng, count))
        else:
            timetable.add_room(RoomPlan(0, f"Hall {count + 1}", RoomKind.PLENARY, 1200, LANGUAGES))


def _fit_room(plan: AssemblyPlan, session: SessionPlan) -> None:
    """Languages the room has booths for, and an expected attendance it seats."""
    rng = plan.rng
    room = plan.rooms[session.room] if session.room is not None else None
    if room is None or len(room.booths) < 2:
        session.languages = [rng.choice(LANGUAGES)]
    else:
        session.languages = list(room.booths)
    if room is None or session.for_everyone or session.for_member_delegations:
        return
    wanted = 2 * len(session.delegations) + len(session.participants) + rng.randint(0, 20)
    if session.roles:
        wanted += room.capacity // 2
    session.expected_attendance = max(2, min(room.capacity, wanted))


def revision_plan(plan: AssemblyPlan, *, version: int) -> Revision:
    """The organizers' changes before ``version`` (2 and on): a third of the drafts
    confirmed, 1% of the sessions moved to a free place (others are tried while one finds
    none), 0.3% cancelled and 0.3% given a description."""
    rng, sessions = plan.rng, plan.sessions
    step = max(1, len(sessions) // 100)
    drafts = [i for i, s in enumerate(sessions) if s.status == SessionStatus.DRAFT]
    confirmed = drafts[: math.ceil(len(drafts) / 3)]
    for i in confirmed:
        sessions[i].status = SessionStatus.CONFIRMED
    just_confirmed = set(confirmed)
    live = [
        i
        for i, s in enumerate(sessions)
        if s.status in (SessionStatus.CONFIRMED, SessionStatus.TENTATIVE)
        and s.kind != SessionKind.CEREMONY
        and i not in just_confirmed
    ]
    few = max(1, len(sessions) * 3 // 1000)
    shuffled = rng.sample(live, len(live))
    to_cancel, to_describe = shuffled[:few], shuffled[few : 2 * few]
    moved: list[int] = []
    for i in shuffled[2 * few :]:
        if len(moved) == step:
            break
        if _move(plan, sessions[i]):
            moved.append(i)
    for i in to_cancel:
        sessions[i].status = SessionStatus.CANCELLED
    for i in to_describe:
        sessions[i].description = _text(_UPDATED, {"v": version})
    return Revision(tuple(sorted(moved)), tuple(sorted(to_cancel)), tuple(confirmed), tuple(sorted(to_describe)))


def _move(plan: AssemblyPlan, session: SessionPlan) -> bool:
    """Move ``session`` to space no session has used (its own stays empty), in a room of
    the same kind, at a time when its audience is free, refitting languages and attendance
    to the new room; ``False`` if there is no such place."""
    if session.room is None:
        return False
    need = _person_need(plan)
    keys = [*session.keys, *session.delegations, *(key for n in session.participants for key in need(n)[0])]
    members = [member for n in session.participants for member in need(n)[1]]
    kind = plan.rooms[session.room].kind
    if kind == RoomKind.BILATERAL:
        place = plan.timetable.in_cell(plan.rng, keys, members, strict=True)
    else:
        place = plan.timetable.in_lane(plan.rng, kind, session.minutes, keys, members, strict=True)
    if place is None:
        return False
    session.room, session.day, session.minute = place
    plan.timetable.hold([("members", member) for member in members], session.day, session.minute, session.minutes)
    _fit_room(plan, session)
    return True
