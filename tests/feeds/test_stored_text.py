"""Text stored without validation (a bulk update, rows from before the rules) never breaks a
feed, an export or a page: names and titles come out on one line, bidi marks balanced
(docs/decisions/018-bounded-clean-text.md)."""

import pytest

from apps.delegations.models import Participant
from apps.events.models import Event, Room
from apps.feeds.services import feed_urls, participant_feed
from apps.programme.models import Session
from tests.factories import RoomFactory, SessionFactory
from tests.feeds.test_frab import JSON_URL, XML_URL, events_of, validate_json, validate_xml
from tests.feeds.test_ical import _path, unfolded
from tests.feeds.test_ical import events_of as vevents_of

pytestmark = pytest.mark.django_db

RLO, PDF = "\u202e", "\u202c"


@pytest.fixture
def spoiled(personas, publish):
    """A published programme whose room, session and event names were then overwritten,
    bypassing validation, with line breaks, control characters and an open override."""
    head = Participant.objects.get(user=personas.head)
    room = RoomFactory(venue__event=personas.event, name="Plenary Hall", venue__name="Palais")
    SessionFactory(
        event=personas.event,
        room=room,
        code="GA-OPEN",
        title={"en": "Opening"},
        description={"en": "Welcome"},
        audience={"participants": [head]},
    )
    publish(personas.event)
    Room.objects.filter(pk=room.pk).update(name="Plenary\rHall\r\nNorth")
    Session.objects.filter(code="GA-OPEN").update(
        title={"en": f"Opening\r\nceremony\x07 {RLO}VIP"}, description={"en": "Welcome\r\nto\x01 all"}
    )
    Participant.objects.filter(pk=head.pk).update(first_name="Amina\r\nX-Injected:", last_name="Alaoui\r")
    return room, head


def _crs_outside_line_ends(body: bytes) -> int:
    return body.replace(b"\r\n", b"").count(b"\r")


def test_a_room_feed_names_a_room_stored_with_line_breaks_on_one_line(client, spoiled):
    room, _head = spoiled

    response = client.get(f"/events/ga-2025/feeds/rooms/{room.pk}.ics")

    lines = unfolded(response.content)
    assert response.status_code == 200
    assert "NAME:Assembly ga-2025 · Plenary Hall North" in lines
    assert "X-WR-CALNAME:Assembly ga-2025 · Plenary Hall North" in lines
    assert f"SUMMARY:Opening ceremony {RLO}VIP{PDF}" in lines
    assert "DESCRIPTION:Welcome\\nto all" in lines
    assert "LOCATION:Plenary Hall North\\, Palais" in lines
    assert _crs_outside_line_ends(response.content) == 0
    assert [str(e["SUMMARY"]) for e in vevents_of(response.content)] == [f"Opening ceremony {RLO}VIP{PDF}"]


def test_a_personal_feed_names_a_participant_stored_with_line_breaks_on_one_line(client, spoiled):
    _room, head = spoiled

    response = client.get(_path(feed_urls(participant_feed(participant=head))["https"]))

    lines = unfolded(response.content)
    assert response.status_code == 200
    assert "NAME:Assembly ga-2025 · Amina X-Injected: Alaoui" in lines
    assert "X-WR-CALNAME:Assembly ga-2025 · Amina X-Injected: Alaoui" in lines
    assert _crs_outside_line_ends(response.content) == 0


def test_an_event_name_stored_with_a_lone_cr_stays_on_its_line(client, spoiled):
    Event.objects.filter(slug="ga-2025").update(name={"en": "Assembly\rX-WR-TIMEZONE:UTC"})

    public = client.get("/events/ga-2025/feeds/public.ics")
    download = client.get("/events/ga-2025/sessions/GA-OPEN/calendar.ics")

    assert (public.status_code, download.status_code) == (200, 200)
    assert "X-WR-CALNAME:Assembly X-WR-TIMEZONE:UTC" in unfolded(public.content)
    assert "NAME:Assembly X-WR-TIMEZONE:UTC" in unfolded(download.content)
    assert _crs_outside_line_ends(public.content) == _crs_outside_line_ends(download.content) == 0


def test_frab_exports_write_stored_names_and_titles_on_one_line(client, spoiled):
    json_response = client.get(JSON_URL)
    xml_response = client.get(XML_URL)

    document = validate_json(json_response.content)
    xml = validate_xml(xml_response.content)
    [day] = [d for d in document["schedule"]["conference"]["days"] if d["rooms"]]
    assert (json_response.status_code, xml_response.status_code) == (200, 200)
    assert list(day["rooms"]) == ["Plenary Hall North"]
    item = events_of(document)[f"Opening ceremony {RLO}VIP{PDF}"]
    assert (item["room"], item["abstract"]) == ("Plenary Hall North", "Welcome\nto all")
    [xml_day] = [d for d in xml["day"] if d.get("room")]
    assert [(r["@name"], r["event"][0]["title"]) for r in xml_day["room"]] == [
        ("Plenary Hall North", f"Opening ceremony {RLO}VIP{PDF}")
    ]


def test_the_session_page_shows_a_title_stored_with_control_characters(client, spoiled):
    response = client.get("/events/ga-2025/sessions/GA-OPEN/")

    assert response.status_code == 200
    assert "Opening\r\nceremony\x07" in response.content.decode()
