"""The audit of a few sessions finds exactly the warnings of the whole audit that name them.

No database: the audit is pure, and the schedules are generated, dense with clashes of
every kind (rooms too small, missing booths, venues closed or far apart, people, delegations
and roles expected in two places at once).
"""

import datetime as dt
import random

import pytest

from apps.delegations.enums import Role
from apps.kernel.timezones import get_zone
from apps.programme.conflicts import PersonInfo, RoomInfo, Schedule, SessionInfo, VenueInfo, audit

CASABLANCA = get_zone("Africa/Casablanca")

DAYS = [dt.date(2025, 11, 24) + dt.timedelta(days=n) for n in range(2)]
ROLES = list(Role.values)
KINDS = ["outside_days", "outside_hours", "no_booths", "capacity", "double_booked", "travel"]


def crowded_schedule(seed: int, sessions: int = 240, people: int = 600, delegations: int = 12) -> Schedule:
    rng = random.Random(seed)
    venues = {
        1: VenueInfo(1, "Palais", 31.6295, -8.0245, dt.time(8, 0), dt.time(20, 0)),
        2: VenueInfo(2, "Hotel", 31.6800, -7.9500),  # about 9 km away: 37 minutes
        3: VenueInfo(3, "Rabat", 34.0209, -6.8416),  # about 240 km away: hours
        4: VenueInfo(4, "Tent"),  # no coordinates: no travel time known
    }
    rooms = {
        n: RoomInfo(n, f"Room {n}", rng.choice([2, 20, 200]), tuple(rng.sample(["ar", "en", "fr"], 2)), 1 + n % 4)
        for n in range(1, 13)
    }
    persons = [PersonInfo(n, rng.choice([None, *range(1, delegations + 1)]), rng.choice(ROLES)) for n in range(people)]
    infos = []
    for n in range(sessions):
        start = dt.datetime.combine(
            rng.choice([*DAYS, DAYS[-1] + dt.timedelta(days=1)]),
            dt.time(rng.choice([7, *range(8, 20)]), rng.choice([0, 15, 30])),
            CASABLANCA,
        )
        infos.append(
            SessionInfo(
                id=1000 + n,
                code=f"S{n:03d}",
                title=f"Session {n}",
                room_id=rng.choice([None, *rooms]),
                start=start,
                end=start + dt.timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 180, 360])),
                languages=tuple(rng.sample(["ar", "en", "fr"], rng.randint(1, 3))),
                roles=tuple(rng.sample(ROLES, rng.choice([0, 0, 0, 1, 2]))),
                delegations=tuple(rng.sample(range(1, delegations + 1), rng.choice([0, 0, 1, 2, 4]))),
                participants=tuple(rng.sample(range(people), rng.choice([0, 0, 1, 3, 30]))),
                expected_attendance=rng.choice([None, None, None, 10, 500]),
            )
        )
    rng.shuffle(infos)
    return Schedule(CASABLANCA, DAYS[0], DAYS[-1], infos, rooms, venues, persons)


def naming(warnings: list, codes: set[str]) -> list:
    return [w for w in warnings if codes & set(w.sessions)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_audit_of_one_session_is_the_whole_audit_naming_it(seed):
    schedule = crowded_schedule(seed)
    whole = audit(schedule)

    for session in random.Random(seed).sample(list(schedule.sessions), 80):
        assert audit(schedule, involving={session.id}) == naming(whole, {session.code}), session.code

    assert {w.kind for w in whole} == {*KINDS}
    assert any(len(w.people) == 10 < w.people_count for w in whole)  # names cut at ten, in order


@pytest.mark.parametrize("seed", [4, 5])
def test_the_audit_of_some_sessions_is_the_whole_audit_naming_any_of_them(seed):
    schedule = crowded_schedule(seed)
    whole = audit(schedule)
    rng = random.Random(seed)

    for size in (2, 3, 10, 40):
        chosen = rng.sample(list(schedule.sessions), size)
        found = audit(schedule, involving={s.id for s in chosen})

        assert found == naming(whole, {s.code for s in chosen})


def test_the_audit_of_no_session_or_an_unknown_one_finds_nothing():
    schedule = crowded_schedule(6)

    assert (audit(schedule, involving=set()), audit(schedule, involving={1})) == ([], [])
