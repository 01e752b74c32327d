"""Warnings kept until the schedule changes, summarised by kind, and paged in the API."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.delegations.enums import Role
from apps.programme.conflicts import ScheduleWarning, warnings_for_schedule
from apps.programme.models import Session
from apps.programme.services import publication_warnings, schedule_changes, session_save
from apps.programme.warnings_summary import (
    changes_summarised,
    publication_warnings_kept,
    warnings_kept,
    warnings_summarised,
)
from tests.factories import CASABLANCA, ParticipantFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/conflicts/"


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 11, 24, hour, minute, tzinfo=CASABLANCA)


def _clashes(event, count: int, prefix: str = "C", **audience) -> None:
    """``count`` sessions at once, without a room, all expecting the same people: the sweep
    names each against the first, ``count - 1`` warnings."""
    for n in range(count):
        SessionFactory(event=event, code=f"{prefix}-{n:03d}", room=None, start=at(9), end=at(10), **audience)


@pytest.fixture
def crowded(personas):
    """61 sessions at 09:00 for Morocco (whose head is expected: 60 warnings involving a head),
    and a session in a room without the booths its languages need."""
    morocco = personas.event.delegations.get(country="MA")
    _clashes(personas.event, 61, audience={"delegations": [morocco]})
    room = RoomFactory(venue__event=personas.event, name="Atlas", booths=[])
    SessionFactory(event=personas.event, code="PL", room=room, start=at(14), end=at(15), languages=["ar", "en"])
    return personas.event


def _warning(kind: str, n: int, head: bool = False) -> ScheduleWarning:
    return ScheduleWarning(kind, f"{kind} {n}", (f"S-{n}",), involves_head=head)


def test_a_summary_counts_each_kind_and_heads_and_shows_the_first_few():
    warnings = [_warning("travel", n, head=n % 2 == 0) for n in range(7)] + [_warning("double_booked", 99)]

    summary = warnings_summarised(warnings, first=2)

    assert (summary.count, summary.involving_heads) == (8, 4)
    assert [(k.kind, k.label, k.count, k.involving_heads, [w.message for w in k.first]) for k in summary.kinds] == [
        ("double_booked", "Participants expected in two places", 1, 0, ["double_booked 99"]),
        ("travel", "Too little time to travel between venues", 7, 4, ["travel 0", "travel 1"]),
    ]


def test_a_summary_of_changes_counts_each_kind():
    changes = {"new": [{"code": "A"}, {"code": "B"}], "moved": [{"code": "C", "fields": ["start"]}], "removed": []}

    summary = changes_summarised(changes, first=1)

    assert (summary.count, [(k.kind, k.count, k.first) for k in summary.kinds]) == (
        3,
        [("new", 2, [{"code": "A"}]), ("moved", 1, [{"code": "C", "fields": ["start"]}])],
    )


def test_kept_warnings_are_those_of_the_whole_audit_and_cost_one_query_while_unchanged(crowded):
    first = warnings_kept(event=crowded)

    with CaptureQueriesContext(connection) as queries:
        again = warnings_kept(event=crowded)

    assert [w.as_dict() for w in again] == [w.as_dict() for w in first]
    assert [w.as_dict() for w in first] == [w.as_dict() for w in warnings_for_schedule(event=crowded)]
    assert len(queries) == 1


def test_a_chunk_lost_from_the_cache_is_computed_again(crowded):
    kept = warnings_kept(event=crowded)
    cache.delete(f"{kept.key}:0")

    again = warnings_kept(event=crowded)

    assert [w.as_dict() for w in again[:3]] == [w.as_dict() for w in warnings_for_schedule(event=crowded)[:3]]


def _move_away(event, personas) -> None:
    session_save(session=Session.objects.working().get(code="C-001"), data={"start": at(16), "end": at(17)})


def _drop_audience(event, personas) -> None:
    # A through row deleted without saving the session.
    Session.objects.working().get(code="C-002").delegations.clear()


def _add_audience(event, personas) -> None:
    SessionFactory(event=event, code="LATE", room=None, start=at(9, 30), end=at(10, 30))
    Session.objects.working().get(code="LATE").participants.add(event.participants.get(user=personas.outsider))
    Session.objects.working().get(code="C-003").participants.add(event.participants.get(user=personas.outsider))


def _withdraw_head(event, personas) -> None:
    head = event.participants.get(role=Role.HEAD)
    head.is_active = False
    head.save()


def _rename_head(event, personas) -> None:
    head = event.participants.get(role=Role.HEAD)
    head.last_name = "Renamed"
    head.save()


def _booths_added(event, personas) -> None:
    room = event.venues.get(rooms__name="Atlas").rooms.get(name="Atlas")
    room.booths = ["ar", "en"]
    room.save()


def _session_deleted(event, personas) -> None:
    Session.objects.working().get(code="C-004").delete()


def _participant_joins(event, personas) -> None:
    ParticipantFactory(event=event, delegation=event.delegations.get(country="MA"))


def _event_shortened(event, personas) -> None:
    event.start_date = dt.date(2025, 11, 25)
    event.save()


@pytest.mark.parametrize(
    "write",
    [
        _move_away,
        _drop_audience,
        _add_audience,
        _withdraw_head,
        _rename_head,
        _booths_added,
        _session_deleted,
        _participant_joins,
        _event_shortened,
    ],
)
def test_kept_warnings_are_fresh_after_any_write_that_changes_them(crowded, personas, write):
    before = [w.as_dict() for w in warnings_kept(event=crowded)]

    write(crowded, personas)
    crowded.refresh_from_db()
    after = [w.as_dict() for w in warnings_kept(event=crowded)]

    assert after != before
    assert after == [w.as_dict() for w in warnings_for_schedule(event=crowded)]


def test_kept_warnings_speak_the_readers_language(crowded):
    with translation.override("fr"):
        french = warnings_kept(event=crowded)
    english = warnings_kept(event=crowded)

    assert (french[0].message, english[0].message) == (
        "Atlas n'a pas de cabine d'interprétation pour ar, en, nécessaire à PL.",
        "Atlas has no interpretation booth for ar, en, needed by PL.",
    )


def test_publication_warnings_kept_are_those_publishing_asks_to_confirm(crowded, publish):
    publish(crowded)
    session_save(session=Session.objects.working().get(code="C-010"), data={"start": at(9, 5), "end": at(10, 5)})
    session_save(session=Session.objects.working().get(code="PL"), data={"title": {"en": "Plenary"}})
    changes = schedule_changes(event=crowded)

    kept = publication_warnings_kept(event=crowded, changes=changes)

    assert [w.as_dict() for w in kept] == [w.as_dict() for w in publication_warnings(event=crowded, changes=changes)]
    assert [w.sessions for w in kept] == [("PL",), ("C-000", "C-010")]


def test_conflicts_answer_a_summary_and_the_first_page(api, personas, crowded):
    api.force_authenticate(personas.organizer)

    answer = api.get(URL).json()

    assert answer["summary"]["count"] == 61
    assert answer["summary"]["involving_heads"] == 60
    assert [(k["kind"], k["count"], k["involving_heads"], len(k["first"])) for k in answer["summary"]["kinds"]] == [
        ("double_booked", 60, 60, 5),
        ("no_booths", 1, 0, 1),
    ]
    assert (answer["count"], answer["previous"], answer["next"], len(answer["results"])) == (
        61,
        None,
        "http://testserver/api/v1/events/ga-2025/conflicts/?page=2",
        50,
    )


def test_conflicts_page_through_one_kind(api, personas, crowded):
    api.force_authenticate(personas.organizer)

    answer = api.get(URL, {"kind": "double_booked", "page": 2, "page_size": 25}).json()

    assert (answer["count"], len(answer["results"]), answer["summary"]["count"]) == (60, 25, 61)
    assert answer["results"][0]["sessions"] == ["C-000", "C-026"]
    assert answer["previous"] == "http://testserver/api/v1/events/ga-2025/conflicts/?kind=double_booked&page_size=25"
    assert answer["next"] == (
        "http://testserver/api/v1/events/ga-2025/conflicts/?kind=double_booked&page=3&page_size=25"
    )


def test_conflicts_of_one_session(api, personas, crowded):
    api.force_authenticate(personas.organizer)

    answer = api.get(URL, {"session": "PL"}).json()

    assert [w["message"] for w in answer["results"]] == ["Atlas has no interpretation booth for ar, en, needed by PL."]


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        (
            {"kind": "nonsense"},
            400,
            {
                "detail": "Invalid input.",
                "errors": {
                    "kind": ["Choose one of: double_booked, travel, capacity, no_booths, outside_hours, outside_days."]
                },
            },
        ),
        ({"page": 9}, 404, {"detail": "Invalid page."}),
    ],
)
def test_conflicts_refuse_an_unknown_kind_or_page(api, personas, crowded, query, status, body):
    api.force_authenticate(personas.organizer)

    response = api.get(URL, query)

    assert (response.status_code, response.json()) == (status, body)


def test_conflicts_answer_a_bounded_body_for_thousands_of_warnings(api, personas):
    # 3,000 meetings at once for every delegate: 2,999 warnings.
    Session.objects.bulk_create(
        Session(
            event=personas.event,
            code=f"M-{n:04d}",
            title={"en": f"Meeting {n}"},
            start=at(9),
            end=at(10),
            status="confirmed",
            roles=[Role.DELEGATE],
        )
        for n in range(3000)
    )
    api.force_authenticate(personas.organizer)

    response = api.get(URL)

    assert (response.status_code, response.json()["summary"]["count"], len(response.json()["results"])) == (
        200,
        2999,
        50,
    )
    assert len(response.content) < 40_000


def test_conflicts_queries_while_the_schedule_is_unchanged(api, personas, crowded):
    api.force_authenticate(personas.organizer)
    api.get(URL)

    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL)

    assert (response.status_code, len(queries)) == (200, 4)  # the user, the event, its organizers, the fingerprint


def test_publish_preview_summarises_changes_and_warnings_and_pages_them(api, personas, crowded):
    api.force_authenticate(personas.organizer)

    answer = api.get("/api/v1/events/ga-2025/publish/", {"kind": "new", "page": 2, "warnings_kind": "no_booths"}).json()

    changes, warnings = answer["changes"], answer["warnings"]
    assert [(k["kind"], k["count"], [e["code"] for e in k["first"]]) for k in changes["summary"]["kinds"]] == [
        ("new", 62, ["C-000", "C-001", "C-002", "C-003", "C-004"]),
    ]
    assert (changes["count"], [e["code"] for e in changes["results"]][:2], changes["next"]) == (
        62,
        ["C-050", "C-051"],
        None,
    )
    assert changes["results"][0]["kind"] == "new"
    assert [(k["kind"], k["count"]) for k in warnings["summary"]["kinds"]] == [("double_booked", 60), ("no_booths", 1)]
    assert [w["sessions"] for w in warnings["results"]] == [["PL"]]
