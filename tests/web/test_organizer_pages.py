"""Organizers plan, fix conflicts and publish from the pages alone."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.programme.models import ScheduleVersion, Session
from tests.factories import EventFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

BASE = "/events/ga-2025/organize/"


@pytest.fixture
def organizer_client(client, personas):
    client.force_login(personas.organizer)
    return client


def _move(client, code: str, room, start: str, end: str, day: str = "2025-11-24"):
    return client.post(
        f"{BASE}sessions/{code}/move/",
        {f"{code}-day": day, f"{code}-start": start, f"{code}-end": end, f"{code}-room": room.pk},
    )


def test_grid_shows_the_working_day_by_room_with_warnings_marked(organizer_client, plenary):
    page = organizer_client.get(f"{BASE}?day=2025-11-24").content.decode()

    assert '<h3 id="grid-room-1">Plenary Hall <span class="venue">100 · en, fr</span></h3>' in page
    assert (
        '<li class="slot status-confirmed" id="session-PL-01"><time>09:00</time>–<time>10:00</time>'
        f' <a href="{BASE}sessions/PL-01/move/">Opening</a> <code>PL-01</code> · Confirmed</li>'
    ) in page
    assert (
        '<li class="slot status-confirmed has-warnings" id="session-PL-02"><time>11:00</time>–<time>12:00</time>'
        f' <a href="{BASE}sessions/PL-02/move/">Budget</a> <code>PL-02</code> · Confirmed'
        ' <span class="mark">⚠ 1 warning</span></li>'
    ) in page
    assert f'<a href="{BASE}conflicts/">1 session has warnings.</a>' in page
    assert 'name="PL-01-room"' not in page  # no form on the grid: one on each session's page


def test_a_sessions_page_shows_its_warnings_and_a_form_to_move_it(organizer_client, plenary):
    page = organizer_client.get(f"{BASE}sessions/PL-02/move/").content.decode()

    assert "<h2>Budget <code>PL-02</code></h2>" in page
    assert (
        '<ul class="warnings"><li>⚠ Plenary Hall has no interpretation booth for ar, needed by PL-02.</li></ul>' in page
    )
    assert '<input type="time" name="PL-02-start" value="11:00:00" required id="id_PL-02-start">' in page
    assert f'<option value="{plenary.pk}" selected>Plenary Hall</option>' in page


def test_moving_a_session_from_the_grid(organizer_client, plenary):
    response = _move(organizer_client, "PL-02", plenary, "14:00", "15:30")

    session = Session.objects.working().get(code="PL-02")
    assert (response.status_code, response["Location"]) == (302, f"{BASE}?day=2025-11-24")
    assert (session.start.isoformat(), session.end.isoformat()) == (
        "2025-11-24T13:00:00+00:00",
        "2025-11-24T14:30:00+00:00",
    )


def test_moving_onto_another_session_is_a_form_error(organizer_client, plenary):
    response = _move(organizer_client, "PL-02", plenary, "09:30", "10:30")

    assert response.status_code == 400
    assert "<h2>Budget <code>PL-02</code></h2>" in response.content.decode()
    assert "The room already holds PL-01 at that time." in response.content.decode()
    assert Session.objects.working().get(code="PL-02").start.hour == 10  # 11:00 at UTC+01:00


def test_a_time_skipped_by_the_clocks_is_a_form_error(client, personas):
    event = EventFactory(slug="ga-2026", start_date="2026-03-20", end_date="2026-03-23")
    event.organizers.add(personas.organizer)
    room = RoomFactory(venue__event=event)
    SessionFactory(
        event=event,
        room=room,
        code="N-1",
        start=dt.datetime(2026, 3, 21, 9, tzinfo=dt.UTC),
        end=dt.datetime(2026, 3, 21, 10, tzinfo=dt.UTC),
    )
    client.force_login(personas.organizer)

    response = client.post(
        "/events/ga-2026/organize/sessions/N-1/move/",
        {"N-1-day": "2026-03-22", "N-1-start": "02:30", "N-1-end": "04:00", "N-1-room": room.pk},
    )

    assert response.status_code == 400
    assert "2026-03-22 02:30 does not exist in Africa/Casablanca" in response.content.decode()
    session = Session.objects.working().get(code="N-1")
    assert (session.start.isoformat(), session.end.isoformat()) == (
        "2026-03-21T09:00:00+00:00",
        "2026-03-21T10:00:00+00:00",
    )


def test_publish_page_previews_then_publishes(organizer_client, plenary):
    preview = organizer_client.get(f"{BASE}publish/").content.decode()

    refused = organizer_client.post(f"{BASE}publish/", {"note": "First"})
    published = organizer_client.post(f"{BASE}publish/", {"note": "First", "confirm_warnings": "on"})

    assert '<dt><a href="?kind=new">New</a> (2)</dt><dd><code>PL-01</code>, <code>PL-02</code></dd>' in preview
    assert "<li>⚠ Plenary Hall has no interpretation booth for ar, needed by PL-02.</li>" in preview
    assert refused.status_code == 400
    assert "The schedule has warnings: confirm that it should be published." in refused.content.decode()
    assert published.status_code == 302
    assert list(ScheduleVersion.objects.values_list("number", "note")) == [(1, "First")]


def test_conflicts_and_audit_pages(organizer_client, plenary):
    _move(organizer_client, "PL-01", plenary, "08:00", "09:00")

    conflicts = organizer_client.get(f"{BASE}conflicts/").content.decode()
    audit = organizer_client.get(f"{BASE}audit/").content.decode()

    assert "Plenary Hall has no interpretation booth for ar, needed by PL-02." in conflicts
    assert "<td>organizer</td><td>page</td><td>update</td><td><code>PL-01</code></td>" in audit


@pytest.mark.parametrize("page", ["", "sessions/PL-02/move/", "conflicts/", "publish/", "audit/"])
def test_organizer_pages_are_404_for_everyone_else(client, personas, plenary, page):
    client.force_login(personas.head)

    assert client.get(f"{BASE}{page}").status_code == 404


def test_organizer_pages_ask_anonymous_visitors_to_sign_in(client, event):
    response = client.get(BASE)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={BASE}")


@pytest.mark.parametrize("size", [1, 3])
def test_grid_query_count_does_not_grow(organizer_client, personas, size):
    for n in range(size):
        SessionFactory(event=personas.event, room=RoomFactory(venue__event=personas.event, name=f"Room {n}"))

    with CaptureQueriesContext(connection) as first:
        response = organizer_client.get(f"{BASE}?day=2025-11-24")
    with CaptureQueriesContext(connection) as again:
        organizer_client.get(f"{BASE}?day=2025-11-24")

    assert response.status_code == 200
    # The warnings computed once (the whole audit), then kept while the schedule is unchanged.
    assert (len(first), len(again)) == (13, 7)


def _crowd(event, count: int) -> None:
    """``count`` sessions at 09:00 for Morocco: ``count - 1`` warnings involving its head."""
    morocco = event.delegations.get(country="MA")
    for n in range(count):
        SessionFactory(
            event=event,
            code=f"C-{n:03d}",
            room=None,
            start=dt.datetime(2025, 11, 24, 8, tzinfo=dt.UTC),
            end=dt.datetime(2025, 11, 24, 9, tzinfo=dt.UTC),
            audience={"delegations": [morocco]},
        )


def test_conflicts_page_summarises_by_kind_and_pages_one_kind(organizer_client, personas, plenary):
    _crowd(personas.event, 151)

    summary = organizer_client.get(f"{BASE}conflicts/").content.decode()
    second = organizer_client.get(f"{BASE}conflicts/?kind=double_booked&page=2").content.decode()

    assert "<p>151 warnings · 150 involve a head of delegation</p>" in summary
    assert (
        '<tr><th scope="row"><a href="?kind=double_booked">Participants expected in two places</a></th>'
        "<td>150</td><td>150</td></tr>"
    ) in summary
    assert summary.count("<tr class=") == 5 + 1  # the first five of one kind, the one of the other
    assert '<a href="?kind=double_booked">All 150 warnings: Participants expected in two places</a>' in summary
    assert second.count('<tr class="kind-double_booked involves-head">') == 50
    assert "2 participants are expected at C-000 and C-101 at once." in second
    assert "Page 2 of 2" in second


def test_conflicts_page_of_one_session(organizer_client, plenary):
    page = organizer_client.get(f"{BASE}conflicts/?session=PL-02").content.decode()

    assert "Warnings of PL-02" in page
    assert "<td>Plenary Hall has no interpretation booth for ar, needed by PL-02.</td>" in page


def test_a_write_makes_the_next_page_fresh(organizer_client, personas, plenary):
    before = organizer_client.get(f"{BASE}conflicts/").content.decode()
    other = RoomFactory(venue__event=personas.event, name="Atlas", booths=["ar", "en"])

    _move(organizer_client, "PL-02", other, "11:00", "12:00")
    after = organizer_client.get(f"{BASE}conflicts/").content.decode()
    grid = organizer_client.get(f"{BASE}?day=2025-11-24").content.decode()

    assert "needed by PL-02" in before
    assert ("needed by PL-02" in after, "No warnings." in after) == (False, True)
    assert "has-warnings" not in grid


def test_publish_page_summarises_changes_and_pages_one_kind(organizer_client, personas, plenary):
    _crowd(personas.event, 151)

    summary = organizer_client.get(f"{BASE}publish/").content.decode()
    second = organizer_client.get(f"{BASE}publish/?kind=new&page=2").content.decode()
    warnings = organizer_client.get(f"{BASE}publish/?warnings=double_booked").content.decode()

    assert "<p>153 sessions change.</p>" in summary
    assert '<a href="?kind=new">all 153</a>' in summary
    assert summary.count("<li>⚠ ") == 5 + 1
    assert second.count(f'<tr><th scope="row"><a href="{BASE}sessions/') == 53
    assert (
        f'<tr><th scope="row"><a href="{BASE}sessions/PL-02/move/"><code>PL-02</code></a> Budget</th>\n'
        "      <td>—</td>\n      <td>—</td>\n"
        "      <td>Mon 24 11:00–12:00 · Plenary Hall · Confirmed</td></tr>"
    ) in second
    assert warnings.count('<tr class="kind-double_booked involves-head">') == 100
    assert "Page 1 of 2" in warnings
