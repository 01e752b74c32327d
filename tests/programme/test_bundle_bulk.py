"""A bundle the size of an assembly: validated by the services' rules, written in bulk, all or
nothing, in a number of queries that does not grow with its participants and sessions."""

import copy
import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room
from apps.programme.enums import SessionStatus
from apps.programme.errors import RoomDoubleBooked
from apps.programme.models import AuditEntry, Session
from apps.programme.selectors import sessions_clashing_in_room
from apps.programme.services import BundleError, event_bundle_import, session_state
from apps.programme.services.bundle import event_bundle_load
from apps.programme.services.session_rules import CONSTRAINTS_CHECKED_IN_BULK, RoomBookings
from tests.factories import EventFactory, RoomFactory, SessionFactory
from tests.programme.test_bundle import BUNDLE

pytestmark = pytest.mark.django_db


def _large(participants: int, sessions: int) -> dict:
    """BUNDLE with ``participants`` more participants (every third of Morocco, the rest of
    no delegation) and ``sessions`` more sessions of an hour, back to back from 08:00 to
    20:00 in two more rooms (Annex the even ones, Annex 2 the odd ones), each expecting
    Morocco and three of the new participants."""
    bundle = copy.deepcopy(BUNDLE)
    bundle["participants"] += [
        {
            **({"delegation": "MA"} if n % 3 == 0 else {}),
            "role": "delegate",
            "first_name": "Person",
            "last_name": f"Number {n}",
            "email": f"p{n}@example.org",
            "language": "en",
        }
        for n in range(participants)
    ]
    first = dt.datetime(2026, 3, 20, 8, 0)
    bundle["sessions"] += [
        {
            "code": f"S-{n}",
            "kind": "committee",
            "title": {"en": f"Committee {n}"},
            "room": "Annex" if n % 2 == 0 else "Annex 2",
            "start": (first + dt.timedelta(hours=n // 2 % 12, days=n // 24)).isoformat(timespec="minutes"),
            "end": (first + dt.timedelta(hours=n // 2 % 12 + 1, days=n // 24)).isoformat(timespec="minutes"),
            "status": "confirmed",
            "audience": {
                "participants": [f"p{(n * 3 + k) % participants}@example.org" for k in range(3)],
                "delegations": ["MA"],
            },
        }
        for n in range(sessions)
    ]
    bundle["venues"][0]["rooms"] += [{"name": name, "kind": "meeting", "capacity": 50} for name in ("Annex", "Annex 2")]
    return bundle


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Event, Room, Delegation, Participant, Session, AuditEntry))


def test_a_large_bundle_loads_every_participant_session_audience_and_audit_entry():
    bundle = _large(participants=2_500, sessions=90)

    _event, created = event_bundle_import(bundle=bundle)

    s42 = Session.objects.get(code="S-42")
    assert created
    assert _counts() == (1, 3, 2, 2_501, 93, 93)
    assert s42.start.isoformat() == "2026-03-21T17:00:00+00:00"
    assert sorted(p.email for p in s42.participants.all()) == [
        "p126@example.org",
        "p127@example.org",
        "p128@example.org",
    ]
    assert [d.country.code for d in s42.delegations.all()] == ["MA"]
    assert Participant.objects.get(email="p2498@example.org").delegation is None
    assert Participant.objects.filter(delegation__country="MA").count() == 1 + 834


def test_each_session_is_in_the_audit_log_as_session_save_writes_it():
    event_bundle_import(bundle=_large(participants=30, sessions=6))

    entries = {entry.code: entry for entry in AuditEntry.objects.all()}

    assert {(e.action, e.channel) for e in entries.values()} == {("create", "system")}
    assert {code: entry.after for code, entry in entries.items()} == {
        session.code: session_state(session) for session in Session.objects.all()
    }
    assert all(entry.before is None for entry in entries.values())


def test_a_bad_row_deep_in_a_large_bundle_is_named_and_nothing_is_written():
    bundle = _large(participants=2_500, sessions=90)
    bundle["participants"][2_345]["first_name"] = "Amina\nBenali"
    bundle["participants"][2_400]["email"] = "P7@example.org"
    bundle["sessions"][88]["end"] = bundle["sessions"][88]["start"]

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == [
        "participants[2345].first_name: Write this on one line: it holds a line break or tab (U+000A) at character 6.",
        "participants[2400]: A participant of this event already has this e-mail address.",
        "sessions[88].end: A session must end after it starts.",
    ]
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_the_number_of_queries_does_not_grow_with_participants_and_sessions():
    """Both sizes fit in one INSERT a table: SQLite takes 999 parameters a statement, so
    Django writes about 90 participants or 49 sessions each; the count grows by a statement
    a batch, never by a query a row."""
    small, large = _large(participants=5, sessions=4), _large(participants=80, sessions=40)
    large["event"]["slug"] = "ga-2026-large"

    with CaptureQueriesContext(connection) as few:
        event_bundle_import(bundle=small)
    with CaptureQueriesContext(connection) as many:
        event_bundle_import(bundle=large)

    assert Participant.objects.filter(event__slug="ga-2026-large").count() == 81
    assert Session.objects.filter(event__slug="ga-2026-large").count() == 43
    assert (len(few), len(many)) == (54, 54)


def test_a_double_booking_inside_the_bundle_names_both_sessions():
    bundle = _large(participants=10, sessions=40)
    # In Annex 2 on the second day, S-29 at 10:00, S-31 at 11:00, S-33 at 12:00, S-35 at 13:00,
    # each for an hour: S-31 moved to 10:30 clashes with S-29; S-35 moved to 12:30 does not
    # with S-33, cancelled; all the others are back to back.
    bundle["sessions"][3 + 31]["start"] = "2026-03-21T10:30"
    bundle["sessions"][3 + 33]["status"] = "cancelled"
    bundle["sessions"][3 + 35]["start"] = "2026-03-21T12:30"

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == ["sessions[34].room: 'Annex 2' already holds S-29 at that time"]
    assert _counts() == (0, 0, 0, 0, 0, 0)


def test_an_inactive_head_leaves_the_delegation_to_a_new_head():
    bundle = copy.deepcopy(BUNDLE)
    bundle["participants"][0]["is_active"] = False
    bundle["participants"].append({**BUNDLE["participants"][0], "email": "new.head@example.org"})

    event_bundle_import(bundle=bundle)

    heads = Participant.objects.filter(role="head").order_by("pk").values_list("email", "is_active")
    assert list(heads) == [("head.ma@example.org", False), ("new.head@example.org", True)]


def test_progress_is_shown_for_each_stage_and_timed():
    shown: list[tuple[str, int | None, int]] = []

    def progress(stage, total, unit):
        from contextlib import contextmanager

        @contextmanager
        def bar():
            done = []
            yield done.append
            shown.append((stage, total, sum(done)))

        return bar()

    loaded = event_bundle_load(bundle=_large(participants=1_500, sessions=30), progress=progress)

    expected = [
        ("event", 4, 4),
        ("check participants", 1_501, 1_501),
        ("check sessions", 33, 33),
        ("write participants", 1_501, 1_501),
        ("write sessions", 33, 33),
        ("write audiences", 122, 122),
        ("write audit log", 33, 33),
    ]
    assert shown == expected
    assert [(t.stage, t.rows) for t in loaded.times] == [(stage, total) for stage, total, _done in expected]


def test_every_constraint_of_a_session_is_kept_by_a_bulk_writer():
    assert {c.name for c in Session._meta.constraints} == CONSTRAINTS_CHECKED_IN_BULK


@pytest.mark.parametrize(
    ("start", "end", "status", "same_room", "clashes"),
    [
        ("09:30", "10:30", SessionStatus.CONFIRMED, True, True),  # over the end
        ("08:00", "09:01", SessionStatus.DRAFT, True, True),  # over the start
        ("09:15", "09:45", SessionStatus.TENTATIVE, True, True),  # inside
        ("08:00", "12:00", SessionStatus.CONFIRMED, True, True),  # around
        ("10:00", "11:00", SessionStatus.CONFIRMED, True, False),  # back to back, after
        ("08:00", "09:00", SessionStatus.CONFIRMED, True, False),  # back to back, before
        ("09:30", "10:30", SessionStatus.CANCELLED, True, False),  # a cancelled one holds no room
        ("09:30", "10:30", SessionStatus.CONFIRMED, False, False),  # another room
    ],
)
def test_room_bookings_in_memory_follow_the_rule_of_session_save(start, end, status, same_room, clashes):
    event = EventFactory(start_date=dt.date(2026, 3, 20), end_date=dt.date(2026, 3, 23), timezone="UTC")
    room, other = RoomFactory(venue__event=event), RoomFactory(venue__event=event)
    at = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    held = SessionFactory(event=event, room=room, start=at.replace(hour=9), end=at.replace(hour=10))
    bookings = RoomBookings()
    bookings.take(held)
    candidate = Session(
        event=event,
        room=room if same_room else other,
        start=dt.datetime.combine(at.date(), dt.time.fromisoformat(start), dt.UTC),
        end=dt.datetime.combine(at.date(), dt.time.fromisoformat(end), dt.UTC),
        status=status,
    )
    in_database = status != SessionStatus.CANCELLED and sessions_clashing_in_room(
        room_id=candidate.room_id, start=candidate.start, end=candidate.end
    )

    if clashes:
        with pytest.raises(RoomDoubleBooked) as refused:
            bookings.refuse_double_booking(candidate)
        assert refused.value.sessions == [held]
    else:
        bookings.refuse_double_booking(candidate)
    assert bool(in_database and in_database.exists()) == clashes


def test_event_import_command_shows_a_bar_per_stage_and_a_summary(tmp_path, capsys):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_large(participants=20, sessions=4)), encoding="utf-8")

    call_command("event_import", str(path))

    shown = capsys.readouterr()
    assert re.fullmatch(r"Loaded ga-2026: 2 delegations, 21 participants, 7 sessions in \d+\.\d s\.\n", shown.out), (
        shown.out
    )
    bars = [line.split(":")[0].strip() for line in shown.err.replace("\r", "\n").splitlines() if "100%" in line]
    assert list(dict.fromkeys(bars)) == [
        "event",
        "check participants",
        "check sessions",
        "write participants",
        "write sessions",
        "write audiences",
        "write audit log",
    ]


def test_event_import_command_without_progress_writes_only_the_summary(tmp_path, capsys):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(BUNDLE), encoding="utf-8")

    call_command("event_import", str(path), "--no-progress")

    shown = capsys.readouterr()
    assert re.fullmatch(r"Loaded ga-2026: 2 delegations, 1 participant, 3 sessions in \d+\.\d s\.\n", shown.out)
    assert shown.err == ""


def test_a_section_that_is_not_a_list_is_named():
    bundle = copy.deepcopy(BUNDLE)
    bundle["participants"] = {"email": "head.ma@example.org"}
    bundle["sessions"] = "OPEN"

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == ["participants: must be a list", "sessions: must be a list"]
    assert _counts() == (0, 0, 0, 0, 0, 0)
