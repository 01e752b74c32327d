"""manage.py seed_scale at a small size: the assembly it builds, as an organizer would find it."""

import datetime as dt
import io
from itertools import groupby

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef, Q

from apps.delegations.enums import DelegationKind, Role
from apps.delegations.models import Delegation, Participant
from apps.events.enums import RoomKind
from apps.events.models import Event, Room
from apps.programme.conflicts import warnings_for_schedule
from apps.programme.enums import SessionKind, SessionStatus, Visibility
from apps.programme.models import AuditEntry, Session

pytestmark = pytest.mark.django_db

SMALL = ["--delegations", "6", "--participants", "300", "--sessions", "60"]


def seed(*options: str, progress: bool = False) -> str:
    out = io.StringIO()
    call_command("seed_scale", *SMALL, *options, *([] if progress else ["--no-progress"]), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The small assembly built once for this module, with what the command printed."""
    with django_db_blocker.unblock():
        printed = seed("--event", "scale-small")
        yield Event.objects.get(slug="scale-small"), printed
        Event.objects.filter(slug="scale-small").delete()


def working(event: Event):
    return Session.objects.working().filter(event=event)


def timetable(slug: str) -> list[tuple[str, str, str, str, str]]:
    rows = working(Event.objects.get(slug=slug)).order_by("code")
    return [(s.code, s.start.isoformat(), s.end.isoformat(), s.room.name if s.room else "", s.status) for s in rows]


def test_seed_scale_builds_the_sizes_asked_and_prints_each_phase(built):
    event, printed = built
    delegations = Delegation.objects.filter(event=event)

    assert (delegations.count(), Participant.objects.filter(event=event).count(), working(event).count()) == (
        6,
        300,
        60,
    )
    assert {kind: delegations.filter(kind=kind).count() for kind in DelegationKind.values} == {
        "member": 5,
        "observer": 1,
        "guest": 0,
    }
    heads = delegations.annotate(heads=Count("participants", filter=Q(participants__role=Role.HEAD)))
    assert list(heads.values_list("heads", flat=True)) == [1] * 6
    assert set(Room.objects.filter(venue__event=event).values_list("kind", flat=True)) == {
        RoomKind.PLENARY,
        RoomKind.MEETING,
        RoomKind.BILATERAL,
    }
    assert [line[:14].strip() for line in printed.splitlines()] == [
        "plan",
        "event",
        "delegations",
        "participants",
        "sessions",
        "analyze",
        "version 1",
        "version 2",
        "version 3",
        "version 4",
        "analyze",
        "total",
    ]


def test_seed_scale_audiences_are_of_every_kind(built):
    event, _printed = built
    sessions = working(event)
    bilaterals = sessions.filter(kind=SessionKind.BILATERAL).annotate(count=Count("delegations"))

    assert sessions.filter(for_everyone=True).exists()
    assert sessions.filter(for_member_delegations=True).exists()
    assert sessions.exclude(roles=[]).exists()
    assert sessions.filter(participants__isnull=False).distinct().count() >= 3
    assert sessions.filter(delegations__isnull=False).distinct().count() >= 3
    assert set(bilaterals.values_list("count", flat=True)) == {2}
    assert sessions.filter(visibility=Visibility.RESTRICTED).exists()
    assert sessions.filter(status=SessionStatus.CANCELLED).exists()
    assert all(set(title) == {"ar", "en", "fr", "es"} for title in sessions.values_list("title", flat=True))


def test_seed_scale_books_no_room_twice_and_stays_within_days_and_hours(built):
    event, _printed = built
    live = working(event).exclude(status=SessionStatus.CANCELLED)
    clashing = live.filter(
        Exists(
            live.filter(room=OuterRef("room"), start__lt=OuterRef("end"), end__gt=OuterRef("start")).exclude(
                pk=OuterRef("pk")
            )
        )
    )
    local = [
        (s.start.astimezone(event.zone), s.end.astimezone(event.zone))
        for s in live.filter(room__isnull=False).select_related("room__venue")
    ]

    assert list(clashing.values_list("code", flat=True)) == []
    assert all(
        start.date() == end.date() and event.start_date <= start.date() <= event.end_date for start, end in local
    )
    assert min(start.time() for start, _end in local) >= dt.time(8, 0)
    assert max(end.time() for _start, end in local) <= dt.time(21, 0)
    assert {w.kind for w in warnings_for_schedule(event=event)} <= {"double_booked", "travel"}


def test_seed_scale_rows_pass_the_models_validation(built):
    event, _printed = built

    for session in working(event).select_related("event", "room__venue"):
        session.full_clean()
    for participant in Participant.objects.filter(event=event).select_related("delegation"):
        participant.full_clean()
    for delegation in Delegation.objects.filter(event=event):
        delegation.full_clean()


def test_seed_scale_publishes_versions_with_moves_and_cancellations_between(built):
    event, _printed = built
    versions = list(event.versions.order_by("number"))
    later = [version.changes for version in versions[1:]]

    assert [version.number for version in versions] == [1, 2, 3, 4]
    assert all(changes["moved"] and changes["cancelled"] and changes["changed"] for changes in later)
    assert (
        Session.objects.published().filter(event=event).count()
        == working(event).exclude(status=SessionStatus.DRAFT).count()
    )
    assert (
        list(AuditEntry.objects.filter(event=event).order_by("id").values_list("channel", "action"))
        == [("import", "seed"), ("import", "publish")] + [("import", "seed"), ("import", "publish")] * 3
    )


def test_seed_scale_same_seed_same_programme_other_seed_other_programme(capsys):
    printed = seed("--event", "first", "--versions", "1", "-v", "0", progress=True)
    quiet = capsys.readouterr()
    seed("--event", "second", "--versions", "1", progress=True)
    bars = capsys.readouterr().err.replace("\r", "\n").splitlines()
    seed("--event", "third", "--versions", "1", "--seed", "7")

    assert (printed, quiet.err) == ("", "")
    finished = [line[:14].strip() for line in bars if "100%" in line]
    assert [phase for phase, _refreshes in groupby(finished)] == [
        "plan",
        "event",
        "delegations",
        "participants",
        "sessions",
        "analyze",
        "version 1",
        "analyze",
    ]
    assert timetable("first") == timetable("second")
    assert {row[0] for row in timetable("first")}.isdisjoint({row[0] for row in timetable("third")})


def test_seed_scale_refuses_an_existing_event_unless_replaced():
    seed("--event", "taken", "--versions", "1")
    Session.objects.filter(event__slug="taken").update(expected_attendance=1)

    with pytest.raises(CommandError) as refused:
        seed("--event", "taken", "--versions", "1")
    unchanged = set(working(Event.objects.get(slug="taken")).values_list("expected_attendance", flat=True))
    seed("--event", "taken", "--versions", "1", "--replace")

    assert str(refused.value) == "The event taken exists: pass --replace to delete it and build it again."
    assert unchanged == {1}
    assert not working(Event.objects.get(slug="taken")).filter(expected_attendance=1).exists()
    assert Event.objects.get(slug="taken").versions.count() == 1


def test_seed_scale_refuses_too_few_participants():
    with pytest.raises(CommandError) as refused:
        call_command("seed_scale", "--delegations", "6", "--participants", "10", "--sessions", "60", "--no-progress")

    assert str(refused.value) == "10 participants are too few for 6 delegations"
    assert not Event.objects.filter(slug="scale").exists()


def test_seed_scale_refuses_a_slug_that_is_not_one():
    with pytest.raises(CommandError) as refused:
        seed("--event", "not a slug")

    assert str(refused.value) == "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
    assert not Event.objects.filter(slug="not a slug").exists()
