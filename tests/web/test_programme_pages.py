"""The public programme's filters, "now and next", room pages and the print view."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.programme.enums import SessionKind, SessionStatus
from tests.factories import CASABLANCA, DelegationFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


@pytest.fixture
def day_of_sessions(event, publish):
    hall = RoomFactory(venue__event=event, venue__name="Palais", name="Plenary Hall")
    annex = RoomFactory(venue=hall.venue, name="Annex B")
    morocco = DelegationFactory(event=event, country="MA")
    SessionFactory(event=event, room=hall, code="OPEN", title={"en": "Opening"}, languages=["ar", "en"])
    SessionFactory(
        event=event,
        room=annex,
        code="AFR",
        title={"en": "African Regional Conference"},
        kind=SessionKind.REGIONAL,
        languages=["fr"],
        start=at(11),
        end=at(12),
    )
    bilateral = SessionFactory(
        event=event,
        room=annex,
        code="MA-FR",
        title={"en": "Morocco and France"},
        kind=SessionKind.BILATERAL,
        start=at(14),
        end=at(15),
    )
    bilateral.delegations.add(morocco)
    publish(event)
    return {"hall": hall, "annex": annex, "morocco": morocco}


def titles(page: str) -> list[str]:
    return [code for code in ("Opening", "African Regional Conference", "Morocco and France") if code in page]


def test_programme_filters_by_room(client, day_of_sessions):
    annex = day_of_sessions["annex"].pk

    page = client.get(f"/events/ga-2025/?day=2025-11-24&room={annex}").content.decode()

    assert titles(page) == ["African Regional Conference", "Morocco and France"]
    assert f'<option value="{annex}" selected>Annex B</option>' in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("kind=regional", ["African Regional Conference"]),
        ("language=ar", ["Opening"]),
        ("language=fr", ["African Regional Conference", "Morocco and France"]),
        ("kind=bilateral&language=en", ["Morocco and France"]),
    ],
)
def test_programme_filters_by_kind_and_language(client, day_of_sessions, query, shown):
    page = client.get(f"/events/ga-2025/?day=2025-11-24&{query}").content.decode()

    assert titles(page) == shown


def test_programme_filters_by_delegation(client, day_of_sessions):
    morocco = day_of_sessions["morocco"].pk

    page = client.get(f"/events/ga-2025/?day=2025-11-24&delegation={morocco}").content.decode()

    assert titles(page) == ["Morocco and France"]
    assert f'<option value="{morocco}" selected>Morocco</option>' in page


def test_programme_filter_that_matches_nothing_says_so(client, day_of_sessions):
    page = client.get("/events/ga-2025/?day=2025-11-24&kind=election").content.decode()

    assert titles(page) == []
    assert "No session of this day matches these filters." in page
    assert '<a href="?day=2025-11-24">Show everything</a>' in page


def test_programme_bad_filter_is_a_form_error_and_filters_nothing(client, day_of_sessions):
    response = client.get("/events/ga-2025/?day=2025-11-24&room=9999&kind=regional")

    page = response.content.decode()
    assert response.status_code == 400
    assert (
        '<span class="errors" role="alert" id="filter-room-error">'
        "Select a valid choice. 9999 is not one of the available choices.</span>"
    ) in page
    assert titles(page) == ["African Regional Conference"]


def test_programme_days_keep_the_filters(client, day_of_sessions):
    page = client.get("/events/ga-2025/?day=2025-11-24&kind=regional").content.decode()

    assert '<a href="?day=2025-11-25&amp;kind=regional">' in page


@time_machine.travel("2025-11-24 10:30+00:00")  # 11:30 in Casablanca
def test_programme_shows_now_and_next_during_the_event(client, day_of_sessions):
    page = client.get("/events/ga-2025/").content.decode()

    now_next = page.split('<h2 id="now-next">Now and next</h2>', 1)[1].split("</section>", 1)[0]
    now, upcoming = now_next.split("<h3>Next</h3>")
    assert "African Regional Conference" in now
    assert "Opening" not in now
    assert "Morocco and France" in upcoming  # nothing within the hour: the next start
    assert "Annex B" in now


@time_machine.travel("2025-11-24 10:30+00:00")
def test_programme_now_and_next_leaves_out_cancelled_sessions(client, event, publish):
    SessionFactory(event=event, title={"en": "Called off"}, status=SessionStatus.CANCELLED, start=at(11), end=at(12))
    publish(event)

    page = client.get("/events/ga-2025/").content.decode()

    now_next = page.split('<h2 id="now-next">Now and next</h2>', 1)[1].split("</section>", 1)[0]
    assert "Called off" not in now_next
    assert "Nothing is on right now." in now_next


@time_machine.travel("2025-11-20 10:30+00:00")
def test_programme_has_no_now_and_next_before_the_event(client, day_of_sessions):
    page = client.get("/events/ga-2025/").content.decode()

    assert "Now and next" not in page


def test_room_page_lists_its_sessions_by_day_with_its_feed(client, day_of_sessions):
    annex = day_of_sessions["annex"]

    response = client.get(f"/events/ga-2025/rooms/{annex.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Annex B</h1>" in page
    assert "<dt>Interpretation</dt><dd>English, français</dd>" in page
    assert titles(page) == ["African Regional Conference", "Morocco and France"]
    assert f'<a href="webcal://127.0.0.1:8000/events/ga-2025/feeds/rooms/{annex.pk}.ics">' in page


def test_room_of_another_event_is_404(client, event):
    other = RoomFactory(name="Elsewhere")

    assert client.get(f"/events/ga-2025/rooms/{other.pk}/").status_code == 404


def test_programme_links_rooms_to_their_page(client, day_of_sessions):
    hall = day_of_sessions["hall"].pk

    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    assert f'<a href="/events/ga-2025/rooms/{hall}/">Plenary Hall</a>' in page


def test_print_view_is_a_table_of_the_filtered_day(client, day_of_sessions):
    response = client.get("/events/ga-2025/print/?day=2025-11-24&kind=regional")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<body class="print-view">' in page
    assert "<h2>Monday 24 November 2025</h2>" in page
    assert titles(page) == ["African Regional Conference"]
    assert "Filtered: Kind: Regional conference" in page
    assert '<a href="/events/ga-2025/?day=2025-11-24&amp;kind=regional">Back to the programme</a>' in page


def test_programme_offers_the_print_view_with_its_filters(client, day_of_sessions):
    page = client.get("/events/ga-2025/?day=2025-11-24&kind=regional").content.decode()

    assert '<a href="/events/ga-2025/print/?day=2025-11-24&amp;kind=regional">Print this day</a>' in page


def test_session_page_shows_status_and_audience(client, day_of_sessions):
    page = client.get("/events/ga-2025/sessions/MA-FR/").content.decode()

    assert "<dt>Status</dt>\n  <dd>Confirmed</dd>" in page
    assert "<dt>Audience</dt>\n  <dd>Public: Morocco</dd>" in page


@pytest.mark.parametrize("size", [1, 3])
def test_filtered_programme_query_count_does_not_grow(client, event, publish, size):
    morocco = DelegationFactory(event=event, country="MA")
    for n in range(size):
        session = SessionFactory(event=event, room=RoomFactory(venue__event=event, name=f"Room {n}"))
        session.delegations.add(morocco)
        DelegationFactory(event=event, country=["FR", "BR", "JP"][n])
    publish(event)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/events/ga-2025/?day=2025-11-24&delegation={morocco.pk}&language=en")

    assert response.status_code == 200
    assert response.content.decode().count('<li class="session') == size
    assert len(queries) == 4  # the event, rooms, delegations, the day's sessions


@pytest.mark.parametrize("size", [1, 3])
def test_room_and_print_query_counts_do_not_grow(client, event, publish, size):
    room = RoomFactory(venue__event=event)
    for n in range(size):
        SessionFactory(event=event, room=room, start=at(9 + n), end=at(10 + n))
    publish(event)

    with CaptureQueriesContext(connection) as queries:
        client.get(f"/events/ga-2025/rooms/{room.pk}/")
        client.get("/events/ga-2025/print/?day=2025-11-24")

    assert len(queries) == 3 + 4  # room page: event, room, sessions; print: as the programme
