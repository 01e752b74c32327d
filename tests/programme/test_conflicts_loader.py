"""The check after a write reads only the part of the schedule around the sessions written
(``schedule_around``), and finds exactly the warnings of the whole schedule that name them.

The schedule is generated in the database, dense with clashes of every kind, with drafts,
cancelled sessions and published copies (which the audit leaves out), several sessions
starting at once, and audiences written in no particular order.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest

from apps.delegations.enums import Role
from apps.delegations.models import Delegation, Participant
from apps.events.models import Room, Venue
from apps.programme.conflicts import warnings_for_schedule, warnings_for_session, warnings_for_sessions
from apps.programme.enums import SessionStatus
from apps.programme.models import Session
from tests.factories import EventFactory

CASABLANCA = dt.timezone(dt.timedelta(hours=1))
KINDS = {"outside_days", "outside_hours", "no_booths", "capacity", "double_booked", "travel"}
COUNTRIES = ["MA", "FR", "BR", "JP", "KE", "DE", "AR", "IN", "SN", "EG"]
ROLES = list(Role.values)


def crowded_event(seed: int, sessions: int = 160, people: int = 300):
    rng = random.Random(seed)
    event = EventFactory(slug=f"crowded-{seed}", start_date=dt.date(2025, 11, 24), end_date=dt.date(2025, 11, 25))
    venues = Venue.objects.bulk_create(
        [
            Venue(event=event, name="Palais", latitude=Decimal("31.6295"), longitude=Decimal("-8.0245"),
                  opens=dt.time(8), closes=dt.time(20)),
            Venue(event=event, name="Hotel", latitude=Decimal("31.68"), longitude=Decimal("-7.95")),
            Venue(event=event, name="Rabat", latitude=Decimal("34.0209"), longitude=Decimal("-6.8416")),
            Venue(event=event, name="Tent"),
        ]
    )  # fmt: skip
    rooms = Room.objects.bulk_create(
        Room(venue=venues[n % 4], name=f"Room {n}", capacity=rng.choice([2, 20, 200]),
             booths=rng.sample(["ar", "en", "fr"], 2))
        for n in range(10)
    )  # fmt: skip
    delegations = Delegation.objects.bulk_create(Delegation(event=event, country=country) for country in COUNTRIES)
    headed: set[int] = set()
    persons = []
    for n in range(people):
        delegation = rng.choice([None, *delegations])
        role = rng.choice(ROLES)
        if role == Role.HEAD and delegation is not None:
            if delegation.pk in headed:
                role = Role.DELEGATE
            headed.add(delegation.pk)
        persons.append(
            Participant(
                event=event,
                delegation=delegation,
                role=role,
                first_name=rng.choice(["Amal", "Ben", "Chloé"]),
                last_name=rng.choice(["Alaoui", "Bernard", "Costa", "Dupont"]),
                email=f"p{n}@example.org",
                is_active=rng.random() > 0.05,
            )
        )
    persons = Participant.objects.bulk_create(persons)
    booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows, audiences = [], []
    for n in range(sessions):
        day = dt.date(2025, 11, rng.choice([24, 24, 25, 25, 26]))
        start = dt.datetime.combine(day, dt.time(rng.choice([7, *range(8, 20)]), rng.choice([0, 30])), CASABLANCA)
        end = start + dt.timedelta(minutes=rng.choice([30, 60, 90, 180, 360]))
        status = rng.choice([SessionStatus.CONFIRMED] * 8 + [SessionStatus.DRAFT, SessionStatus.CANCELLED])
        room = rng.choice([None, *rooms])
        if room is not None and status != SessionStatus.CANCELLED:
            if any(start < b and end > a for a, b in booked.get(room.pk, [])):
                room = None  # a room holds one session at a time (a constraint on PostgreSQL)
            else:
                booked.setdefault(room.pk, []).append((start, end))
        rows.append(
            Session(
                event=event,
                code=f"S{n:03d}",
                title={"en": f"Session {n}"},
                room=room,
                start=start,
                end=end,
                status=status,
                languages=rng.sample(["ar", "en", "fr"], rng.randint(1, 3)),
                roles=rng.sample(ROLES, rng.choice([0, 0, 0, 1, 2])),
                expected_attendance=rng.choice([None, None, None, 10, 500]),
            )
        )
        audiences.append(
            (
                rng.sample(delegations, rng.choice([0, 0, 1, 2, 4])),
                rng.sample(persons, rng.choice([0, 0, 1, 3, 30])),
            )
        )
    # Published copies with audiences of their own: the audit of the working schedule ignores them.
    for n in range(10):
        rows.append(Session(event=event, code=f"S{n:03d}", title={"en": "Old"}, is_published=True,
                            start=rows[n].start, end=rows[n].end, status=SessionStatus.CONFIRMED))  # fmt: skip
        audiences.append((delegations[:3], persons[:40]))
    created = Session.objects.bulk_create(rows)
    links_d = [
        Session.delegations.through(session_id=s.pk, delegation_id=d.pk)
        for s, (ds, _ps) in zip(created, audiences, strict=True)
        for d in ds
    ]
    links_p = [
        Session.participants.through(session_id=s.pk, participant_id=p.pk)
        for s, (_ds, ps) in zip(created, audiences, strict=True)
        for p in ps
    ]
    rng.shuffle(links_d)
    rng.shuffle(links_p)
    Session.delegations.through.objects.bulk_create(links_d)
    Session.participants.through.objects.bulk_create(links_p)
    return event, [s for s in created if not s.is_published]


def naming(warnings: list[dict], codes: set[str]) -> list[dict]:
    return [w for w in warnings if codes & set(w["sessions"])]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_the_check_of_one_session_finds_the_whole_schedules_warnings_naming_it(seed, django_assert_max_num_queries):
    event, sessions = crowded_event(seed)
    whole = [w.as_dict() for w in warnings_for_schedule(event=event)]

    for session in random.Random(seed).sample(sessions, 50):
        with django_assert_max_num_queries(14):
            found = [w.as_dict() for w in warnings_for_session(session=session)]

        assert found == naming(whole, {session.code}), session.code

    assert {w["kind"] for w in whole} == KINDS
    assert any(len(w["people"]) == 10 < w["people_count"] for w in whole)  # names cut at ten, in order


@pytest.mark.django_db
def test_the_check_of_some_sessions_finds_the_whole_schedules_warnings_naming_any(django_assert_max_num_queries):
    event, sessions = crowded_event(3)
    whole = [w.as_dict() for w in warnings_for_schedule(event=event)]
    rng = random.Random(3)

    for size in (2, 5, 20, 80):
        chosen = rng.sample(sessions, size)
        with django_assert_max_num_queries(14):
            found = [w.as_dict() for w in warnings_for_sessions(event=event, ids={s.pk for s in chosen})]

        assert found == naming(whole, {s.code for s in chosen})


@pytest.mark.django_db
def test_the_check_of_a_draft_or_of_nothing_finds_nothing(django_assert_num_queries):
    event, sessions = crowded_event(4, sessions=20, people=40)
    draft = Session.objects.filter(event=event, status=SessionStatus.DRAFT).first() or sessions[0]
    Session.objects.filter(pk=draft.pk).update(status=SessionStatus.DRAFT)

    with django_assert_num_queries(0):
        nothing = warnings_for_sessions(event=event, ids=set())
    of_draft = warnings_for_sessions(event=event, ids={draft.pk})

    assert (nothing, of_draft) == ([], [])
