"""'Add to my agenda' on the session page and the programme: a POST button (CSRF) for a
signed-in participant; the agenda page lists what they added."""

import datetime as dt

import pytest

from apps.programme.enums import SessionKind
from apps.programme.models import AgendaChoice
from tests.factories import CASABLANCA, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

ADD = (
    '<form class="agenda-choice" method="post" action="/events/ga-2025/sessions/SIDE-1/agenda/">'
    '<input type="hidden" name="csrfmiddlewaretoken"'
)


@pytest.fixture
def programme(personas, publish):
    room = RoomFactory(venue__event=personas.event, name="Plenary Hall")
    SessionFactory(event=personas.event, room=room, code="GA-OPEN", title={"en": "Opening"}, for_everyone=True)
    SessionFactory(
        event=personas.event,
        room=room,
        code="SIDE-1",
        kind=SessionKind.SIDE_EVENT,
        title={"en": "Women in policing"},
        start=dt.datetime(2025, 11, 24, 13, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 14, 0, tzinfo=CASABLANCA),
    )
    publish(personas.event)
    return personas.event


def test_session_page_offers_a_participant_to_add_it_and_no_one_else(client, personas, programme):
    anonymous = client.get("/events/ga-2025/sessions/SIDE-1/").content.decode()
    client.force_login(personas.delegate)

    page = client.get("/events/ga-2025/sessions/SIDE-1/").content.decode()
    opening = client.get("/events/ga-2025/sessions/GA-OPEN/").content.decode()

    assert ADD in page
    assert '<button type="submit" name="action" value="add">Add to my agenda</button>' in page
    assert "Add to my agenda" not in anonymous
    assert '<span class="agenda-mark">In your agenda</span>' in opening
    assert "Add to my agenda" not in opening


def test_adding_from_the_programme_comes_back_to_it_and_fills_the_agenda(client, personas, programme):
    client.force_login(personas.delegate)
    listing = client.get("/events/ga-2025/?day=2025-11-24").content.decode()

    response = client.post(
        "/events/ga-2025/sessions/SIDE-1/agenda/", {"action": "add", "next": "/events/ga-2025/?day=2025-11-24"}
    )
    back = client.get(response["Location"]).content.decode()
    agenda = client.get("/events/ga-2025/me/").content.decode()

    assert ADD in listing
    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/?day=2025-11-24")
    assert "Added to your agenda, your calendar and your reminders." in back
    assert '<button type="submit" name="action" value="remove" class="secondary">Remove from my agenda</button>' in back
    assert "Women in policing" in agenda
    assert "Opening" in agenda
    assert list(AgendaChoice.objects.values_list("code", flat=True)) == ["SIDE-1"]


def test_removing_from_the_session_page_empties_the_choice(client, personas, programme):
    client.force_login(personas.delegate)
    client.post("/events/ga-2025/sessions/SIDE-1/agenda/", {"action": "add"})

    response = client.post(
        "/events/ga-2025/sessions/SIDE-1/agenda/", {"action": "remove", "next": "https://evil.example/"}
    )
    agenda = client.get("/events/ga-2025/me/").content.decode()

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/sessions/SIDE-1/")
    assert "Women in policing" not in agenda
    assert AgendaChoice.objects.count() == 0


def test_the_audience_session_cannot_be_removed_and_a_hidden_one_is_not_found(client, personas, programme):
    client.force_login(personas.delegate)

    refused = client.post("/events/ga-2025/sessions/GA-OPEN/agenda/", {"action": "remove"}, follow=True)
    hidden = client.post("/events/ga-2025/sessions/NOPE/agenda/", {"action": "add"})

    agenda = client.get("/events/ga-2025/me/").content.decode()

    assert "You are expected at this session: it stays in your agenda." in refused.content.decode()
    assert hidden.status_code == 404
    assert "Opening" in agenda
    assert AgendaChoice.objects.count() == 0


def test_the_button_needs_the_csrf_token(personas, programme):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.delegate)

    response = client.post("/events/ga-2025/sessions/SIDE-1/agenda/", {"action": "add"})

    assert response.status_code == 403
    assert AgendaChoice.objects.count() == 0
