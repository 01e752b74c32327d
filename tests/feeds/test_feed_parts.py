"""A programme larger than calendar clients accept is followed in parts: feeds per local day
(beside those per room and kind), and a capped feed that says it is partial and where the rest is."""

import datetime as dt

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Participant
from apps.feeds.services import feed_urls, participant_feed
from apps.kernel.links import subscription_urls
from apps.programme.enums import SessionKind, Visibility
from tests.factories import CASABLANCA, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

PUBLIC = "/events/ga-2025/feeds/public.ics"
SITE = "http://127.0.0.1:8000"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant on the event's clocks in November 2025 (Casablanca is UTC+01:00 then)."""
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


def uids(body: bytes) -> list[str]:
    return [str(vevent["UID"]) for vevent in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def calendar_texts(body: bytes) -> dict[str, str | None]:
    """The calendar's own name and description (not its events'), as a client reads them."""
    calendar = icalendar.Calendar.from_ical(body)
    return {
        name: (str(calendar[name]) if name in calendar else None) for name in ("NAME", "DESCRIPTION", "X-WR-CALDESC")
    }


@pytest.fixture
def days(personas, publish):
    """Sessions across the event's days; one at 00:30 on the 25th, which is still the 24th in UTC."""
    morocco = personas.event.delegations.get(country="MA")
    for code, start in [
        ("D1", at(24, 9)),
        ("LATE", at(25, 0, 30)),
        ("D2", at(25, 10)),
        ("D3", at(26, 9)),
    ]:
        SessionFactory(event=personas.event, room=None, code=code, start=start, end=start + dt.timedelta(hours=1))
    SessionFactory(
        event=personas.event,
        room=None,
        code="CLOSED",
        start=at(25, 11),
        end=at(25, 12),
        visibility=Visibility.RESTRICTED,
        audience={"delegations": [morocco]},
    )
    publish(personas.event)


def test_a_day_feed_holds_the_public_sessions_of_that_day_on_the_events_clocks(client, days):
    first = client.get("/events/ga-2025/feeds/days/2025-11-24.ics")
    second = client.get("/events/ga-2025/feeds/days/2025-11-25.ics")
    last = client.get("/events/ga-2025/feeds/days/2025-11-27.ics")

    assert (first.status_code, uids(first.content)) == (200, ["ga-2025-d1@gaplanner"])
    assert (second.status_code, uids(second.content)) == (200, ["ga-2025-late@gaplanner", "ga-2025-d2@gaplanner"])
    assert (last.status_code, uids(last.content)) == (200, [])
    assert calendar_texts(second.content) == {
        "NAME": "Assembly ga-2025 · Nov. 25, 2025",
        "DESCRIPTION": None,
        "X-WR-CALDESC": None,
    }
    assert second["Cache-Control"] == "public, max-age=300"


def test_a_day_feed_is_named_in_the_feeds_language(client, days):
    response = client.get("/events/ga-2025/feeds/days/2025-11-25.ics?lang=fr")

    assert calendar_texts(response.content)["NAME"] == "Assemblée ga-2025 · 25 novembre 2025"


@pytest.mark.parametrize("day", ["2025-11-23", "2025-11-28", "2025-02-30", "2025-11-5"])
def test_a_day_outside_the_event_or_no_day_at_all_is_not_found(client, days, day):
    response = client.get(f"/events/ga-2025/feeds/days/{day}.ics")

    assert response.status_code == 404


def test_a_publication_renews_the_day_feeds(client, personas, days, publish):
    before = client.get("/events/ga-2025/feeds/days/2025-11-26.ics")
    SessionFactory(event=personas.event, room=None, code="NEW", start=at(26, 15), end=at(26, 16))
    publish(personas.event)

    after = client.get("/events/ga-2025/feeds/days/2025-11-26.ics")

    assert uids(before.content) == ["ga-2025-d3@gaplanner"]
    assert uids(after.content) == ["ga-2025-d3@gaplanner", "ga-2025-new@gaplanner"]
    assert after["ETag"] != before["ETag"]


@pytest.mark.parametrize("size", [1, 3])
def test_a_day_feed_built_afresh_costs_the_same_queries_for_any_length(client, personas, publish, size):
    for n in range(size):
        SessionFactory(event=personas.event, room=RoomFactory(venue__event=personas.event), code=f"S-{n}")
    publish(personas.event)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/events/ga-2025/feeds/days/2025-11-24.ics")

    assert (response.status_code, len(uids(response.content))) == (200, size)
    assert len(queries) == 3  # event, count, sessions with rooms and venues


@time_machine.travel("2025-11-20 12:00+00:00")
def test_a_capped_feed_says_it_is_partial_and_where_the_rest_is(client, days, settings):
    settings.FEED_MAX_EVENTS = 3

    response = client.get(PUBLIC)

    sentence = (
        "This feed holds 3 of the 4 sessions (the next ones first); subscribe to a feed per day, room or kind "
        f"for the rest: {SITE}/events/ga-2025/#feeds"
    )
    escaped = sentence.replace(";", "\\;").replace(",", "\\,")  # a TEXT value (docs/calendar.md)
    header = response.content.decode().replace("\r\n ", "").split("BEGIN:VTIMEZONE")[0].split("\r\n")
    assert uids(response.content) == ["ga-2025-d1@gaplanner", "ga-2025-late@gaplanner", "ga-2025-d2@gaplanner"]
    assert calendar_texts(response.content) == {
        "NAME": "Assembly ga-2025",
        "DESCRIPTION": sentence,
        "X-WR-CALDESC": sentence,
    }
    assert [line for line in header if line.startswith(("DESCRIPTION:", "X-WR-CALDESC:"))] == [
        f"DESCRIPTION:{escaped}",
        f"X-WR-CALDESC:{sentence}",  # raw, as X-WR-CALNAME: the parsers read X- values so
    ]


def test_a_feed_within_the_cap_says_nothing_of_the_kind(client, days, settings):
    settings.FEED_MAX_EVENTS = 4

    response = client.get(PUBLIC)

    assert len(uids(response.content)) == 4
    assert calendar_texts(response.content) == {"NAME": "Assembly ga-2025", "DESCRIPTION": None, "X-WR-CALDESC": None}


@time_machine.travel("2025-11-20 12:00+00:00")
def test_a_capped_personal_feed_points_to_the_programme(client, personas, publish, settings):
    settings.FEED_MAX_EVENTS = 1
    head = Participant.objects.get(user=personas.head)
    for n in range(2):
        SessionFactory(event=personas.event, room=None, code=f"P-{n}", audience={"participants": [head]})
    publish(personas.event)
    url = feed_urls(participant_feed(participant=head))["https"].removeprefix(SITE)

    response = client.get(url)

    assert calendar_texts(response.content)["DESCRIPTION"] == (
        "This feed holds 1 of the 2 sessions (the next ones first); the programme shows them all: "
        f"{SITE}/events/ga-2025/"
    )


def test_the_events_answer_lists_its_feeds_per_day_room_and_kind(api, event):
    room = RoomFactory(venue__event=event, name="Plenary Hall")

    detail = api.get("/api/v1/events/ga-2025/").json()["links"]["feeds"]
    listed = api.get("/api/v1/events/").json()["results"][0]["links"]["feeds"]

    day = "2025-11-24"
    assert detail["days"][0] == {
        "day": day,
        "https": f"{SITE}/events/ga-2025/feeds/days/{day}.ics",
        "webcal": "webcal://127.0.0.1:8000/events/ga-2025/feeds/days/2025-11-24.ics",
        "google": "https://calendar.google.com/calendar/r?cid="
        "webcal%3A%2F%2F127.0.0.1%3A8000%2Fevents%2Fga-2025%2Ffeeds%2Fdays%2F2025-11-24.ics",
    }
    assert [entry["day"] for entry in detail["days"]] == ["2025-11-24", "2025-11-25", "2025-11-26", "2025-11-27"]
    assert detail["rooms"] == [
        {"room": room.pk, "name": "Plenary Hall", **subscription_urls(f"/events/ga-2025/feeds/rooms/{room.pk}.ics")}
    ]
    assert detail["kinds"] == [
        {"kind": kind, **subscription_urls(f"/events/ga-2025/feeds/kinds/{kind}.ics")} for kind in SessionKind.values
    ]
    assert listed is None  # lists leave out what costs a query per event


def test_every_listed_feed_answers(api, client, personas, days):
    RoomFactory(venue__event=personas.event)
    feeds = api.get("/api/v1/events/ga-2025/").json()["links"]["feeds"]
    urls = [entry["https"] for part in ("days", "rooms", "kinds") for entry in feeds[part]]

    statuses = {client.get(url.removeprefix(SITE)).status_code for url in urls}

    assert statuses == {200}


def test_the_programme_page_offers_the_feeds_per_day_room_and_kind(client, event):
    room = RoomFactory(venue__event=event, name="Plenary Hall", venue__name="Palais")

    page = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    day = subscription_urls("/events/ga-2025/feeds/days/2025-11-25.ics")
    by_room = subscription_urls(f"/events/ga-2025/feeds/rooms/{room.pk}.ics")
    by_kind = subscription_urls("/events/ga-2025/feeds/kinds/plenary.ics")
    assert '<section class="subscribe" id="feeds" aria-labelledby="subscribe-programme">' in page
    assert (
        f'<li>Tuesday 25 November: <a href="{day["webcal"]}">webcal</a> · <a href="{day["google"]}">Google</a> · '
        f'<a href="{day["https"]}">https</a>'
    ) in page
    assert (
        f'<li>Plenary Hall <span class="venue">Palais</span>: <a href="{by_room["webcal"]}">webcal</a> · '
        f'<a href="{by_room["google"]}">Google</a> · <a href="{by_room["https"]}">https</a>'
    ) in page
    assert (
        f'<li>Plenary: <a href="{by_kind["webcal"]}">webcal</a> · <a href="{by_kind["google"]}">Google</a> · '
        f'<a href="{by_kind["https"]}">https</a>'
    ) in page
    assert page.count('href="webcal://127.0.0.1:8000/events/ga-2025/feeds/days/') == 4
