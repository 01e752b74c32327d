"""The frab schedule export (schedule.json, schedule.xml), checked against the c3voc schemas
kept in tests/feeds/c3voc/ (their origin and licence: its README)."""

import datetime as dt
import hashlib
import io
import json
import uuid
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.feeds.frab import frab_schedule, frab_xml
from apps.programme.enums import SessionKind, SessionStatus, Visibility
from apps.programme.models import Session
from apps.programme.services import session_save
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

STANDARDS = Path(__file__).resolve().parent / "c3voc"
JSON_URL = "/events/ga-2025/schedule.json"
XML_URL = "/events/ga-2025/schedule.xml"
SITE = "http://127.0.0.1:8000"
HIDDEN = ("Closed-7f3a", "Members-9b1e", "Draft-2c9d", "Cancelled-5e1b")


def standard(name: str) -> Path:
    return STANDARDS / name


@cache
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads(standard("schedule.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


@cache
def xml_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(standard("schedule.xml.xsd")))


def validate_json(body: bytes) -> dict:
    document = json.loads(body)
    json_validator().validate(document)
    return document


def validate_xml(body: bytes) -> dict:
    xml_schema().validate(io.BytesIO(body))
    return xml_schema().to_dict(io.BytesIO(body))


def at(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


def events_of(document: dict) -> dict[str, dict]:
    """The exported events by title, whatever their day and room."""
    days = document["schedule"]["conference"]["days"]
    return {item["title"]: item for day in days for items in day["rooms"].values() for item in items}


def guid(code: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SITE}/events/ga-2025/sessions/{code}/"))


@pytest.fixture
def programme(personas, publish):
    """Marrakech: two rooms of one venue over two days, and sessions the public never sees."""
    event = personas.event
    hall = RoomFactory(venue__event=event, venue__name="Palais des Congrès", name="Plenary Hall")
    atlas = RoomFactory(venue=hall.venue, name="Salle Atlas")
    SessionFactory(
        event=event,
        room=hall,
        code="GA-OPEN",
        kind=SessionKind.CEREMONY,
        title={"en": "Opening ceremony", "ar": "حفل الافتتاح"},
        description={"en": "Welcome by the host country.", "ar": "كلمة البلد المضيف."},
        languages=["ar", "en"],
    )
    SessionFactory(
        event=event,
        room=atlas,
        code="GA-AFR",
        kind=SessionKind.REGIONAL,
        title={"en": "Regional conference for Africa", "ar": "المؤتمر الإقليمي لأفريقيا"},
        start=at(11),
        end=at(12, 30),
        languages=["fr", "en"],
    )
    SessionFactory(
        event=event,
        room=hall,
        code="GA-PL1",
        title={"en": "First plenary", "ar": "الجلسة العامة الأولى"},
        start=at(15, day=25),
        end=at(18, day=25),
    )
    SessionFactory(
        event=event,
        room=atlas,
        code="BIL-1",
        visibility=Visibility.RESTRICTED,
        title={"en": HIDDEN[0]},
        start=at(13),
        end=at(14),
    )
    SessionFactory(
        event=event,
        room=atlas,
        code="MEM-1",
        visibility=Visibility.PARTICIPANTS,
        title={"en": HIDDEN[1]},
        start=at(14),
        end=at(15),
    )
    SessionFactory(
        event=event,
        room=hall,
        code="DRAFT-1",
        status=SessionStatus.DRAFT,
        title={"en": HIDDEN[2]},
        start=at(10),
        end=at(11),
    )
    SessionFactory(
        event=event,
        room=hall,
        code="GONE-1",
        status=SessionStatus.CANCELLED,
        title={"en": HIDDEN[3]},
        start=at(16),
        end=at(17),
    )
    publish(event)
    return event


def test_frab_json_validates_against_the_c3voc_schema(client, programme):
    body = client.get(JSON_URL).content

    document = validate_json(body)

    assert sorted(events_of(document)) == ["First plenary", "Opening ceremony", "Regional conference for Africa"]


def test_frab_xml_validates_against_the_c3voc_schema(client, programme):
    body = client.get(XML_URL).content

    document = validate_xml(body)

    titles = sorted(
        event["title"] for day in document["day"] for room in day.get("room", []) for event in room["event"]
    )
    assert titles == ["First plenary", "Opening ceremony", "Regional conference for Africa"]


def test_frab_json_conference_and_days_are_the_events_local_days(client, programme):
    document = validate_json(client.get(JSON_URL).content)

    conference = document["schedule"]["conference"]
    days = [{key: value for key, value in day.items() if key != "rooms"} for day in conference.pop("days")]
    assert document["schedule"]["version"] == "1"
    assert document["schedule"]["base_url"] == SITE
    assert conference == {
        "acronym": "ga_2025",
        "title": "Assembly ga-2025",
        "start": "2025-11-24",
        "end": "2025-11-27",
        "daysCount": 4,
        "timeslot_duration": "00:05",
        "time_zone_name": "Africa/Casablanca",
        "url": f"{SITE}/events/ga-2025/",
    }
    assert days == [
        {
            "index": n + 1,
            "date": f"2025-11-{24 + n}",
            "day_start": f"2025-11-{24 + n}T00:00:00+01:00",
            "day_end": f"2025-11-{25 + n}T00:00:00+01:00",
        }
        for n in range(4)
    ]


def test_frab_json_rooms_and_events_are_in_order(client, programme):
    document = validate_json(client.get(JSON_URL).content)

    rooms = [
        {name: [item["slug"] for item in items] for name, items in day["rooms"].items()}
        for day in document["schedule"]["conference"]["days"]
    ]
    assert rooms == [
        {"Plenary Hall": ["ga_2025-ga-open"], "Salle Atlas": ["ga_2025-ga-afr"]},
        {"Plenary Hall": ["ga_2025-ga-pl1"]},
        {},
        {},
    ]


def test_frab_json_event_holds_the_database_instants_in_event_time(client, programme):
    published = Session.objects.published().get(code="GA-OPEN")

    item = events_of(validate_json(client.get(JSON_URL).content))["Opening ceremony"]

    assert item == {
        "guid": guid("GA-OPEN"),
        "id": published.published_from_id,
        "date": "2025-11-24T09:00:00+01:00",
        "end": "2025-11-24T10:00:00+01:00",
        "start": "09:00",
        "duration": "01:00",
        "room": "Plenary Hall",
        "slug": "ga_2025-ga-open",
        "url": f"{SITE}/events/ga-2025/sessions/GA-OPEN/",
        "title": "Opening ceremony",
        "subtitle": "",
        "track": "Ceremony",
        "type": "ceremony",
        "language": "ar",
        "abstract": "Welcome by the host country.",
        "description": "",
        "recording_license": "",
        "do_not_record": True,
        "persons": [],
        "links": [],
        "attachments": [],
    }
    assert dt.datetime.fromisoformat(item["date"]) == published.start
    assert dt.datetime.fromisoformat(item["end"]) == published.end


def test_frab_xml_event_holds_the_same_content(client, programme):
    document = validate_xml(client.get(XML_URL).content)

    [hall, atlas] = document["day"][0]["room"]
    assert (hall["@name"], atlas["@name"]) == ("Plenary Hall", "Salle Atlas")
    [event] = atlas["event"]
    assert event == {
        "@guid": guid("GA-AFR"),
        "@id": Session.objects.published().get(code="GA-AFR").published_from_id,
        "date": "2025-11-24T11:00:00+01:00",
        "start": "11:00",
        "duration": "01:30",
        "room": "Salle Atlas",
        "slug": "ga_2025-ga-afr",
        "url": f"{SITE}/events/ga-2025/sessions/GA-AFR/",
        "title": "Regional conference for Africa",
        "subtitle": None,
        "track": "Regional conference",
        "type": "regional",
        "language": "fr",
        "abstract": None,
        "description": None,
        "recording": {"license": None, "optout": True},
        "persons": None,
        "links": None,
        "attachments": None,
    }
    assert {key: document["day"][0][key] for key in ("@index", "@date", "@start", "@end")} == {
        "@index": 1,
        "@date": "2025-11-24",
        "@start": "2025-11-24T00:00:00+01:00",
        "@end": "2025-11-25T00:00:00+01:00",
    }


def test_frab_exports_never_show_restricted_participants_draft_or_cancelled_sessions(client, programme):
    exports = [client.get(JSON_URL).content, client.get(XML_URL).content, client.get(f"{JSON_URL}?lang=ar").content]

    shown = [title for body in exports for title in HIDDEN if title.encode() in body]

    assert shown == []
    # The restricted, participants' and cancelled sessions are published: left out, not missing.
    published = set(Session.objects.published().values_list("code", flat=True))
    assert published == {"GA-OPEN", "GA-AFR", "GA-PL1", "BIL-1", "MEM-1", "GONE-1"}


def test_frab_exports_show_edits_only_once_published(client, programme, publish):
    session = Session.objects.working().get(code="GA-OPEN")
    session_save(session=session, data={"title": {"en": "Opening ceremony (revised)"}, "start": at(8), "end": at(9)})

    before = events_of(validate_json(client.get(JSON_URL).content))
    publish(programme)
    after = events_of(validate_json(client.get(JSON_URL).content))

    assert (before["Opening ceremony"]["date"], "Opening ceremony (revised)" in before) == (
        "2025-11-24T09:00:00+01:00",
        False,
    )
    assert ("Opening ceremony" in after, after["Opening ceremony (revised)"]["date"]) == (
        False,
        "2025-11-24T08:00:00+01:00",
    )


def test_frab_guids_and_ids_are_stable_across_renders_and_publications(client, programme, publish):
    first = client.get(JSON_URL).content
    second = client.get(JSON_URL).content
    session = Session.objects.working().get(code="GA-PL1")
    session_save(
        session=session, data={"title": {"en": "First plenary, moved"}, "start": at(9, day=26), "end": at(12, day=26)}
    )
    publish(programme)

    third = events_of(validate_json(client.get(JSON_URL).content))

    assert first == second
    before = events_of(json.loads(first))["First plenary"]
    after = third["First plenary, moved"]
    assert (after["guid"], after["id"], after["slug"]) == (before["guid"], before["id"], before["slug"])
    assert after["guid"] == guid("GA-PL1")


def test_frab_exports_in_the_language_asked_for(client, programme):
    arabic = events_of(validate_json(client.get(f"{JSON_URL}?lang=ar").content))
    xml = validate_xml(client.get(f"{XML_URL}?lang=ar").content)

    assert sorted(arabic) == ["الجلسة العامة الأولى", "المؤتمر الإقليمي لأفريقيا", "حفل الافتتاح"]
    assert arabic["حفل الافتتاح"]["abstract"] == "كلمة البلد المضيف."
    assert xml["day"][0]["room"][0]["event"][0]["title"] == "حفل الافتتاح"


def test_frab_exports_fall_back_to_the_events_default_language(client, programme):
    french = events_of(validate_json(client.get(f"{JSON_URL}?lang=fr").content))

    assert sorted(french) == ["First plenary", "Opening ceremony", "Regional conference for Africa"]


def test_frab_responses_carry_type_cache_and_a_strong_etag(client, programme):
    json_response = client.get(JSON_URL)
    xml_response = client.get(XML_URL)

    for response, content_type in (
        (json_response, "application/json; charset=utf-8"),
        (xml_response, "application/xml; charset=utf-8"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "public, max-age=300"
        assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert xml_response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<schedule>")


@pytest.mark.parametrize("url", [JSON_URL, XML_URL])
def test_frab_if_none_match_gives_not_modified(client, programme, url):
    etag = client.get(url)["ETag"]

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, response.content, response["ETag"], response["Cache-Control"]) == (
        304,
        b"",
        etag,
        "public, max-age=300",
    )


@pytest.mark.parametrize("url", [JSON_URL, XML_URL])
def test_frab_head_gives_the_headers_without_a_body(client, programme, url):
    full = client.get(url)

    response = client.head(url)

    assert (response.status_code, response.content, response["ETag"]) == (200, b"", full["ETag"])


@pytest.mark.parametrize("url", [JSON_URL, XML_URL])
def test_frab_refuses_other_methods(client, programme, url):
    response = client.post(url)

    assert (response.status_code, response["Allow"], response.content) == (405, "GET, HEAD", b"")


@pytest.mark.parametrize("url", ["/events/nope/schedule.json", "/events/nope/schedule.xml"])
def test_frab_unknown_event_is_not_found(client, event, url):
    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("url", [JSON_URL, XML_URL])
def test_frab_bad_language_is_a_bad_request_naming_lang(client, event, url):
    response = client.get(f"{url}?lang=xx")

    assert (response.status_code, response["Content-Type"], response.content) == (
        400,
        "text/plain; charset=utf-8",
        b"lang: 'xx' is not one of ar, en, es, fr.\n",
    )


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("url", [JSON_URL, XML_URL])
def test_frab_queries_do_not_grow_with_the_programme(client, personas, publish, size, url):
    for n in range(size):
        SessionFactory(event=personas.event, room=RoomFactory(venue__event=personas.event), code=f"S-{n}")
    publish(personas.event)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(queries) == 3  # event, sessions with rooms and venues, last version number


def test_frab_empty_programme_is_still_valid(client, event):
    document = validate_json(client.get(JSON_URL).content)
    xml = validate_xml(client.get(XML_URL).content)

    assert document["schedule"]["version"] == "0"
    assert [day["rooms"] for day in document["schedule"]["conference"]["days"]] == [{}, {}, {}, {}]
    assert [day["@index"] for day in xml["day"]] == [1, 2, 3, 4]


def test_frab_after_morocco_leaves_summer_time_offsets_are_zero(client, publish):
    event = EventFactory(slug="ga-2026", start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 5))
    start = dt.datetime(2026, 11, 3, 9, 0, tzinfo=event.zone)
    SessionFactory(event=event, room__name="Plenary Hall", code="S-1", start=start, end=start + dt.timedelta(hours=1))
    publish(event)

    document = validate_json(client.get("/events/ga-2026/schedule.json").content)
    xml = validate_xml(client.get("/events/ga-2026/schedule.xml").content)

    [item] = events_of(document).values()
    second = document["schedule"]["conference"]["days"][1]
    assert (item["date"], item["start"], item["end"]) == (
        "2026-11-03T09:00:00+00:00",
        "09:00",
        "2026-11-03T10:00:00+00:00",
    )
    assert (second["day_start"], second["day_end"]) == ("2026-11-03T00:00:00+00:00", "2026-11-04T00:00:00+00:00")
    assert dt.datetime.fromisoformat(item["date"]) == Session.objects.published().get(event=event).start
    assert xml["day"][1]["room"][0]["event"][0]["date"] == "2026-11-03T09:00:00+00:00"


def test_frab_short_slugs_codes_and_missing_rooms_still_validate(publish):
    event = EventFactory(slug="GA", start_date=dt.date(2025, 11, 24), end_date=dt.date(2025, 11, 24))
    SessionFactory(event=event, room=None, code="AB-", title={"en": "Reception", "fr": "Réception"})
    SessionFactory(event=event, room=None, code="X1", title={"en": "Press briefing"}, start=at(11), end=at(12))
    publish(event)

    document = frab_schedule(event=event, language="fr", base_url=f"{SITE}/")
    body = frab_xml(event=event, language="fr", base_url=SITE)

    json_validator().validate(document)
    validate_xml(body)
    assert document["schedule"]["conference"]["acronym"] == "ga__"
    [day] = document["schedule"]["conference"]["days"]
    assert {name: [(item["slug"], item["title"]) for item in items] for name, items in day["rooms"].items()} == {
        "Salle à confirmer": [("ga__-ab-_0", "Réception"), ("ga__-x1_0", "Press briefing")]
    }


def test_frab_rooms_of_the_same_name_in_two_venues_are_told_apart(publish):
    event = EventFactory(slug="ga-2025")
    palais, hotel = VenueFactory(event=event, name="Palais"), VenueFactory(event=event, name="Hotel")
    SessionFactory(event=event, room=RoomFactory(venue=palais, name="Room A"), code="A-01")
    SessionFactory(event=event, room=RoomFactory(venue=hotel, name="Room A"), code="A-02")
    publish(event)

    document = frab_schedule(event=event, language="en", base_url=SITE)

    json_validator().validate(document)
    rooms = document["schedule"]["conference"]["days"][0]["rooms"]
    assert [(name, [item["slug"] for item in items]) for name, items in rooms.items()] == [
        ("Room A, Hotel", ["ga_2025-a-02"]),
        ("Room A, Palais", ["ga_2025-a-01"]),
    ]
