import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.programme.enums import SessionStatus, Visibility
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_event_list_and_detail(api, event):
    listing = api.get("/api/v1/events/")
    detail = api.get("/api/v1/events/ga-2025/")

    expected = {
        "slug": "ga-2025",
        "name": {"en": "Assembly ga-2025", "fr": "Assemblée ga-2025"},
        "timezone": "Africa/Casablanca",
        "start_date": "2025-11-24",
        "end_date": "2025-11-27",
        "languages": ["ar", "en", "fr", "es"],
        "default_language": "en",
        "reminder_lead_minutes": [1440, 15],
        "links": {
            "programme": "http://testserver/events/ga-2025/",
            "sessions": "http://testserver/api/v1/events/ga-2025/sessions/",
            "feed": {
                "https": "http://127.0.0.1:8000/events/ga-2025/feeds/public.ics",
                "webcal": "webcal://127.0.0.1:8000/events/ga-2025/feeds/public.ics",
                "google": "https://calendar.google.com/calendar/r?cid="
                "webcal%3A%2F%2F127.0.0.1%3A8000%2Fevents%2Fga-2025%2Ffeeds%2Fpublic.ics",
            },
            "schedule_json": "http://testserver/events/ga-2025/schedule.json",
            "schedule_xml": "http://testserver/events/ga-2025/schedule.xml",
            "feeds": None,  # in the event's own answer only (tests/feeds/test_feed_parts.py)
        },
    }
    assert (listing.status_code, listing.json()) == (
        200,
        {"count": 1, "next": None, "previous": None, "results": [expected]},
    )
    body = detail.json()
    feeds = body["links"].pop("feeds")
    del expected["links"]["feeds"]
    assert (detail.status_code, body, sorted(feeds)) == (200, expected, ["days", "kinds", "rooms"])


def test_unknown_event_is_a_json_404(api, db):
    response = api.get("/api/v1/events/nope/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_session_times_carry_the_event_offset(api, event, publish):
    room = RoomFactory(venue__event=event, name="Plenary Hall")
    SessionFactory(event=event, room=room, code="GA-OPEN", title={"en": "Opening ceremony", "ar": "حفل الافتتاح"})
    publish(event)

    response = api.get("/api/v1/events/ga-2025/sessions/GA-OPEN/")

    body = response.json()
    assert response.status_code == 200
    assert {key: body[key] for key in ("code", "title", "room", "room_name", "start", "end", "status")} == {
        "code": "GA-OPEN",
        "title": {"en": "Opening ceremony", "ar": "حفل الافتتاح"},
        "room": room.pk,
        "room_name": "Plenary Hall",
        "start": "2025-11-24T09:00:00+01:00",
        "end": "2025-11-24T10:00:00+01:00",
        "status": "confirmed",
    }


def test_lang_flattens_multilingual_text_with_a_fallback(api, event, publish):
    SessionFactory(event=event, code="GA-OPEN", title={"en": "Opening ceremony", "ar": "حفل الافتتاح"})
    publish(event)

    arabic = api.get("/api/v1/events/ga-2025/sessions/GA-OPEN/?lang=ar").json()
    spanish = api.get("/api/v1/events/ga-2025/sessions/GA-OPEN/?lang=es").json()
    bad = api.get("/api/v1/events/ga-2025/sessions/?lang=zz")

    assert (arabic["title"], spanish["title"]) == ("حفل الافتتاح", "Opening ceremony")
    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"lang": ["'zz' is not a language code."]}},
    )


def test_anonymous_list_holds_public_sessions_only(api, event, publish):
    SessionFactory(event=event, code="PUBLIC")
    SessionFactory(event=event, code="DRAFT", status=SessionStatus.DRAFT)
    SessionFactory(event=event, code="CLOSED", visibility=Visibility.RESTRICTED, title={"en": "Closed-7f3a"})
    publish(event)

    response = api.get("/api/v1/events/ga-2025/sessions/")

    assert response.status_code == 200
    assert [s["code"] for s in response.json()["results"]] == ["PUBLIC"]
    assert "Closed-7f3a" not in response.content.decode()


@pytest.mark.parametrize("code", ["DRAFT", "CLOSED", "MISSING"])
def test_a_session_the_caller_may_not_see_is_404(api, event, code):
    SessionFactory(event=event, code="DRAFT", status=SessionStatus.DRAFT)
    SessionFactory(event=event, code="CLOSED", visibility=Visibility.RESTRICTED)

    response = api.get(f"/api/v1/events/ga-2025/sessions/{code}/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_organizer_sees_drafts(api, personas):
    SessionFactory(event=personas.event, code="DRAFT", status=SessionStatus.DRAFT)
    api.force_authenticate(personas.organizer)

    response = api.get("/api/v1/events/ga-2025/sessions/DRAFT/")

    assert (response.status_code, response.json()["status"]) == (200, "draft")


def test_day_filter_uses_the_event_local_day(api, event, publish):
    SessionFactory(event=event, code="DAY-1")
    SessionFactory(
        event=event,
        code="DAY-2",
        start=dt.datetime(2025, 11, 25, 0, 15, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 25, 0, 45, tzinfo=CASABLANCA),
    )
    publish(event)

    response = api.get("/api/v1/events/ga-2025/sessions/?day=2025-11-25")

    assert [s["code"] for s in response.json()["results"]] == ["DAY-2"]


def test_kind_and_language_filters(api, event, publish):
    SessionFactory(event=event, code="PL-EN", languages=["en"])
    SessionFactory(event=event, code="SOC-AR", kind="social", languages=["ar"])
    publish(event)

    by_kind = api.get("/api/v1/events/ga-2025/sessions/?kind=social").json()
    by_language = api.get("/api/v1/events/ga-2025/sessions/?language=en").json()

    assert [s["code"] for s in by_kind["results"]] == ["SOC-AR"]
    assert [s["code"] for s in by_language["results"]] == ["PL-EN"]


def test_page_size_is_capped(api, event):
    response = api.get("/api/v1/events/ga-2025/sessions/?page_size=100000")

    assert (response.status_code, response.json()["count"]) == (200, 0)


def _list_queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [1, 3])
def test_session_list_query_count_does_not_grow(api, personas, size, publish):
    for _ in range(size):
        SessionFactory(event=personas.event, audience={"delegations": [personas.event.delegations.first()]})
    api.force_authenticate(personas.delegate)
    publish(personas.event)

    # event, session auth user, participant, count, page, participants, delegations
    assert _list_queries(api, "/api/v1/events/ga-2025/sessions/") == 7


@pytest.mark.parametrize("size", [1, 3])
def test_event_list_query_count_does_not_grow(api, db, size):
    EventFactory.create_batch(size)

    assert _list_queries(api, "/api/v1/events/") == 2


def test_a_huge_page_size_gives_at_most_200(api, event, publish):
    SessionFactory.create_batch(201, event=event, room=None)
    publish(event)

    response = api.get("/api/v1/events/ga-2025/sessions/?page_size=100000")

    body = response.json()
    assert (response.status_code, body["count"], len(body["results"])) == (200, 201, 200)
    assert body["next"] == "http://testserver/api/v1/events/ga-2025/sessions/?page=2&page_size=100000"


@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        ("2025-11-24T08:00:00Z", 200, {"count": 0, "next": None, "previous": None, "results": []}),
        (
            "0957-03-09T14:50:27-19:27",
            400,
            {
                "detail": "Invalid input.",
                "errors": {"updated_since": ["UTC-19:27 is not a UTC offset any zone uses (-12:00 to +14:00)"]},
            },
        ),
        ("yesterday", 400, {"detail": "Invalid input.", "errors": {"updated_since": ["Enter a valid date/time."]}}),
    ],
)
def test_updated_since_takes_real_instants(api, event, value, status, body):
    response = api.get("/api/v1/events/ga-2025/sessions/", {"updated_since": value})

    assert (response.status_code, response.json()) == (status, body)
