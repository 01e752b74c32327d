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

    assert "Plenary Hall" in page
    assert '<article class="slot status-confirmed" id="session-PL-01">' in page
    assert '<article class="slot status-confirmed has-warnings" id="session-PL-02">' in page
    assert "⚠ Plenary Hall has no interpretation booth for ar, needed by PL-02." in page


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

    assert "<dt>New</dt><dd><code>PL-01</code>, <code>PL-02</code></dd>" in preview
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


@pytest.mark.parametrize("page", ["", "conflicts/", "publish/", "audit/"])
def test_organizer_pages_are_404_for_everyone_else(client, personas, page):
    client.force_login(personas.head)

    assert client.get(f"{BASE}{page}").status_code == 404


def test_organizer_pages_ask_anonymous_visitors_to_sign_in(client, event):
    response = client.get(BASE)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={BASE}")


@pytest.mark.parametrize("size", [1, 3])
def test_grid_query_count_does_not_grow(organizer_client, personas, size):
    for n in range(size):
        SessionFactory(event=personas.event, room=RoomFactory(venue__event=personas.event, name=f"Room {n}"))

    with CaptureQueriesContext(connection) as queries:
        response = organizer_client.get(f"{BASE}?day=2025-11-24")

    assert response.status_code == 200
    assert len(queries) == 12
