import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.programme.enums import SessionStatus, Visibility
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_home_redirects_to_the_only_event(client, event):
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/")


def test_home_lists_several_events(client, event):
    EventFactory(slug="ga-2026", name={"en": "Assembly 2026"})

    response = client.get("/")

    assert response.status_code == 200
    assert '<a href="/events/ga-2026/">Assembly 2026</a>' in response.content.decode()


def test_programme_shows_the_day_by_room_in_event_time_with_offset(client, event, publish):
    plenary = RoomFactory(venue__event=event, name="Plenary Hall")
    SessionFactory(event=event, room=plenary, code="GA-OPEN", title={"en": "Opening ceremony"})
    SessionFactory(
        event=event,
        room=plenary,
        code="PL-02",
        title={"en": "Strategic Framework"},
        start=dt.datetime(2025, 11, 25, 10, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 25, 12, 0, tzinfo=CASABLANCA),
    )
    publish(event)

    response = client.get("/events/ga-2025/?day=2025-11-24")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Times are in event time, Africa/Casablanca (UTC+01:00)." in page
    assert f'<h3 id="room-1"><a href="/events/ga-2025/rooms/{plenary.pk}/">Plenary Hall</a>' in page
    assert (
        '<time datetime="2025-11-24T09:00:00+01:00">09:00</time>–'
        '<time datetime="2025-11-24T10:00:00+01:00">10:00</time>'
    ) in page
    assert '<a href="/events/ga-2025/sessions/GA-OPEN/">Opening ceremony</a>' in page
    assert "Strategic Framework" not in page


def test_programme_hides_what_the_visitor_may_not_see(client, event, publish):
    SessionFactory(event=event, title={"en": "Closed-9c1e"}, visibility=Visibility.RESTRICTED)
    SessionFactory(event=event, title={"en": "Draft-4b7d"}, status=SessionStatus.DRAFT)
    SessionFactory(event=event, title={"en": "Cancelled-2a2a"}, status=SessionStatus.CANCELLED)
    publish(event)

    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    assert "Closed-9c1e" not in page
    assert "Draft-4b7d" not in page
    assert "Cancelled-2a2a" in page
    assert '<strong class="status">Cancelled</strong>' in page


@time_machine.travel("2025-11-26 08:00+00:00")
def test_programme_opens_on_today_during_the_event(client, event):
    page = client.get("/events/ga-2025/").content.decode()

    assert "<h2>Wednesday 26 November 2025</h2>" in page


@time_machine.travel("2025-12-15 08:00+00:00")
def test_programme_opens_on_the_first_day_outside_the_event(client, event):
    page = client.get("/events/ga-2025/").content.decode()

    assert "<h2>Monday 24 November 2025</h2>" in page


@pytest.mark.parametrize("day", ["2025-11-28", "yesterday"])
def test_programme_day_outside_the_event_is_404(client, event, day):
    assert client.get(f"/events/ga-2025/?day={day}").status_code == 404


def test_programme_in_arabic_is_right_to_left_with_arabic_titles(client, event, publish):
    SessionFactory(event=event, title={"en": "Opening ceremony", "ar": "حفل الافتتاح"})
    publish(event)

    page = client.get("/events/ga-2025/?day=2025-11-24", headers={"accept-language": "ar"}).content.decode()

    assert '<html lang="ar" dir="rtl">' in page
    assert "حفل الافتتاح" in page


def test_session_page_shows_time_place_and_languages(client, event, publish):
    room = RoomFactory(venue__event=event, name="Plenary Hall", venue__name="Palais des Congrès")
    SessionFactory(event=event, room=room, code="GA-OPEN", title={"en": "Opening ceremony"}, languages=["ar", "fr"])
    publish(event)

    page = client.get("/events/ga-2025/sessions/GA-OPEN/").content.decode()

    assert "<h1>Opening ceremony</h1>" in page
    assert "Monday 24 November 2025, 09:00</time>–<time" in page
    assert "10:00</time> UTC+01:00 (Africa/Casablanca)" in page
    assert f'<dd><a href="/events/ga-2025/rooms/{room.pk}/">Plenary Hall</a>, Palais des Congrès</dd>' in page
    assert "<dd>العربيّة, français</dd>" in page


def test_session_page_of_a_restricted_session_is_404(client, event):
    SessionFactory(event=event, code="CLOSED", visibility=Visibility.RESTRICTED)

    assert client.get("/events/ga-2025/sessions/CLOSED/").status_code == 404


def test_restricted_session_page_for_its_audience(client, personas, publish):
    SessionFactory(
        event=personas.event,
        code="HEADS",
        title={"en": "Meeting of the heads"},
        visibility=Visibility.RESTRICTED,
        roles=["head"],
    )
    client.force_login(personas.head)
    publish(personas.event)

    response = client.get("/events/ga-2025/sessions/HEADS/")

    assert response.status_code == 200
    assert "<h1>Meeting of the heads</h1>" in response.content.decode()


@pytest.mark.parametrize("size", [1, 3])
def test_programme_page_query_count_does_not_grow(client, event, publish, size):
    for n in range(size):
        SessionFactory(event=event, room=RoomFactory(venue__event=event, name=f"Room {n}"))
    publish(event)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/events/ga-2025/?day=2025-11-24")

    assert response.status_code == 200
    assert response.content.decode().count('<li class="session') == size
    assert len(queries) == 4  # the event, rooms, delegations, the day's sessions


def test_programme_offers_the_public_feed(client, event):
    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    assert '<a href="webcal://127.0.0.1:8000/events/ga-2025/feeds/public.ics">' in page
    assert (
        '<a href="https://calendar.google.com/calendar/r?cid='
        'webcal%3A%2F%2F127.0.0.1%3A8000%2Fevents%2Fga-2025%2Ffeeds%2Fpublic.ics">'
    ) in page


def test_session_page_offers_download_and_add_to_calendar(client, event, publish):
    SessionFactory(event=event, room=None, code="GA-OPEN", title={"en": "Opening ceremony"})
    publish(event)

    page = client.get("/events/ga-2025/sessions/GA-OPEN/").content.decode()

    assert '<a href="/events/ga-2025/sessions/GA-OPEN/calendar.ics">Download (.ics)</a>' in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Opening+ceremony" in page
    assert "dates=20251124T080000Z%2F20251124T090000Z" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page


def test_organizers_find_their_pages_from_the_programme(client, personas):
    client.force_login(personas.organizer)

    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    assert '<a href="/events/ga-2025/organize/?day=2025-11-24">' in page
    assert "Sign out" in page


def test_visitors_are_offered_to_sign_in(client, event):
    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    assert '<a href="/accounts/login/?next=/events/ga-2025/%3Fday%3D2025-11-24">Sign in</a>' in page
    assert "/organize/" not in page
