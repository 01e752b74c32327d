"""The whole-schedule conflict audit at the size of the largest UN conferences.

5,000 sessions and 100,000 participants in 200 delegations, audiences through delegations,
roles and direct assignments. Measures the audit's time at full size and at a quarter of it,
with the number of warnings found (the sweep costs O(n log n) plus one step per clash found,
and random audiences packed into four days clash often), and against a baseline that only
walks every expected (session, person) pair once, in the same run.

Then the check that follows each write, ``audit(schedule, involving={id})``, for sessions of
every kind of audience (a role, delegations, people by name, nobody), side by side with the
whole audit: the costliest of them must take at most 1/50 of it (target), and each must find
exactly the warnings of the whole audit that name it.

``rows()`` returns both as rows of ``python -m bench``'s table; ``main()`` prints them alone.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from zoneinfo import ZoneInfo

from bench import setup
from bench.report import Row, at_most, ratio_at_most, table

setup()

from apps.delegations.enums import Role
from apps.programme.conflicts import (
    PersonInfo,
    RoomInfo,
    Schedule,
    ScheduleWarning,
    SessionInfo,
    VenueInfo,
    audit,
)

ZONE = ZoneInfo("Africa/Casablanca")
DAYS = [dt.date(2025, 11, 24) + dt.timedelta(days=n) for n in range(4)]
ROLES = list(Role.values)


def schedule(sessions: int, people: int, delegations: int = 200, seed: int = 2025) -> Schedule:
    rng = random.Random(seed)
    venues = {
        1: VenueInfo(1, "Palais", 31.6295, -8.0245, dt.time(7, 30), dt.time(23, 0)),
        2: VenueInfo(2, "Hotel", 31.6800, -7.9500, dt.time(7, 30), dt.time(23, 0)),
    }
    rooms = {
        n: RoomInfo(n, f"Room {n}", rng.choice([12, 150, 400, 1500]), ("ar", "en", "fr", "es"), 1 + (n % 7 == 0))
        for n in range(1, 121)
    }
    persons = [PersonInfo(n, 1 + n % delegations, rng.choice(ROLES)) for n in range(people)]
    infos = []
    for n in range(sessions):
        day = rng.choice(DAYS)
        start = dt.datetime.combine(day, dt.time(8 + rng.randrange(13), rng.choice([0, 30])), ZONE)
        kind = rng.random()
        infos.append(
            SessionInfo(
                id=n,
                code=f"S{n:05d}",
                title=f"Session {n}",
                room_id=1 + n % 120,
                start=start,
                end=start + dt.timedelta(minutes=rng.choice([30, 60, 90, 120])),
                languages=("en", "fr"),
                roles=tuple(rng.sample(ROLES, 1)) if kind < 0.2 else (),
                delegations=tuple(rng.sample(range(1, delegations + 1), rng.randint(1, 10))) if kind > 0.6 else (),
                participants=tuple(rng.sample(range(people), rng.randint(1, 50))) if 0.2 <= kind < 0.3 else (),
            )
        )
    return Schedule(ZONE, DAYS[0], DAYS[-1], infos, rooms, venues, persons)


def memberships_baseline(data: Schedule) -> int:
    """Walk every expected (session, person) pair once: the least any audit must do."""
    by_delegation: dict[int | None, int] = {}
    by_role: dict[str, int] = {}
    for person in data.people:
        by_delegation[person.delegation_id] = by_delegation.get(person.delegation_id, 0) + 1
        by_role[person.role] = by_role.get(person.role, 0) + 1
    total = 0
    for session in data.sessions:
        for d in session.delegations:
            total += sum(1 for _ in range(by_delegation.get(d, 0)))
        for r in session.roles:
            total += sum(1 for _ in range(by_role.get(r, 0)))
        total += len(session.participants)
    return total


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


# The one-session check must cost at most this part of the whole audit.
ONE_SESSION_TARGET = 1 / 50
AUDIENCES: dict[str, Callable[[SessionInfo], bool]] = {
    "a role": lambda s: bool(s.roles),
    "delegations": lambda s: bool(s.delegations),
    "people by name": lambda s: bool(s.participants),
    "nobody": lambda s: not (s.roles or s.delegations or s.participants),
}


def sessions_of_every_audience(data: Schedule, each: int = 5, seed: int = 2025) -> list[tuple[str, SessionInfo]]:
    rng = random.Random(seed)
    return [
        (audience, session)
        for audience, expects in AUDIENCES.items()
        for session in rng.sample([s for s in data.sessions if expects(s)], each)
    ]


def one_session_checks(data: Schedule, whole: Sequence[ScheduleWarning]) -> tuple[float, float, str, bool]:
    """Time the check of each sampled session (best of 5) and compare what it finds with the
    whole audit's warnings naming it: (mean, worst, the worst's audience, all the same)."""
    times, same, worst_audience, worst = [], True, "", 0.0
    for audience, session in sessions_of_every_audience(data):
        found = audit(data, involving={session.id})
        same = same and found == [w for w in whole if session.code in w.sessions]
        took = best_of(5, partial(audit, data, involving={session.id}))
        times.append(took)
        if took > worst:
            worst, worst_audience = took, f"{session.code}, expecting {audience}"
    return sum(times) / len(times), worst, worst_audience, same


SIZE = "5,000 sessions, 100,000 participants"


def rows() -> list[Row]:
    full = schedule(5_000, 100_000)
    quarter = schedule(1_250, 25_000)
    whole = audit(full)
    found_full, found_quarter = len(whole), len(audit(quarter))
    full_time = best_of(3, lambda: audit(full))
    quarter_time = best_of(3, lambda: audit(quarter))
    baseline_time = best_of(3, lambda: memberships_baseline(full))
    mean, worst, worst_audience, same = one_session_checks(full, whole)
    one_session = ratio_at_most(
        "one-session check after a write, costliest of 20",
        SIZE,
        worst,
        "s",
        full_time,
        "the whole audit",
        ONE_SESSION_TARGET,
        note=(
            f"worst {worst_audience}, mean {mean * 1000:.1f} ms (1/{full_time / mean:.0f} of the whole audit); "
            + ("each finds the whole audit's warnings naming it" if same else "NOT the whole audit's warnings")
        ),
    )
    return [
        at_most(
            "whole-schedule conflict audit",
            SIZE,
            full_time,
            "s",
            2.0,
            baseline=baseline_time,
            baseline_what="walking every expected (session, person) pair once",
            note=(
                f"from a quarter of the size: {full_time / quarter_time:.1f}x the time for 4x the input and "
                f"{found_full / found_quarter:.1f}x the warnings ({found_quarter:,} -> {found_full:,}); "
                "n log n alone would be ~4.3x, n^2 16x"
            ),
        ),
        replace(one_session, holds=one_session.holds and same),
    ]


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
