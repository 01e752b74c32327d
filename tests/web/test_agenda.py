"""A participant's agenda page: their sessions and their delegation's, subscribing, rotating
the link; heads of delegation and their members' agendas."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Participant
from apps.feeds.models import Feed
from apps.programme.enums import Visibility
from tests.factories import CASABLANCA, SessionFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, 0, tzinfo=CASABLANCA)


@pytest.fixture
def agenda(personas, publish):
    """Sessions for the delegate, for their delegation (Morocco), for the head only, and one
    for another delegation."""
    event = personas.event
    delegate = Participant.objects.get(user=personas.delegate)
    head = Participant.objects.get(user=personas.head)
    mine = SessionFactory(
        event=event, title={"en": "Mine-1a"}, visibility=Visibility.RESTRICTED, start=at(25, 9), end=at(25, 10)
    )
    mine.participants.add(delegate)
    ours = SessionFactory(
        event=event, title={"en": "Ours-2b"}, visibility=Visibility.RESTRICTED, start=at(26, 9), end=at(26, 10)
    )
    ours.delegations.add(delegate.delegation)
    heads = SessionFactory(event=event, title={"en": "Heads-3c"}, visibility=Visibility.RESTRICTED, roles=["head"])
    theirs = SessionFactory(event=event, title={"en": "Theirs-4d"}, visibility=Visibility.RESTRICTED)
    theirs.participants.add(Participant.objects.get(user=personas.outsider))
    publish(event)
    return {"delegate": delegate, "head": head, "heads": heads}


def section(page: str, anchor: str) -> str:
    """The page from the heading ``anchor`` to the next second-level heading."""
    return page.split(f'<h2 id="{anchor}"', 1)[1].split("<h2 ", 1)[0]


def test_agenda_shows_my_sessions_and_my_delegations(client, personas, agenda):
    client.force_login(personas.delegate)

    response = client.get("/events/ga-2025/me/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Mine-1a" in section(page, "mine")
    assert "Ours-2b" in section(page, "mine")
    assert "Heads-3c" not in page
    assert "Theirs-4d" not in page
    # The delegation's: whatever any member attends, that the delegate may see.
    assert "Ours-2b" in section(page, "delegation")
    assert "Mine-1a" in section(page, "delegation")
    assert '<h3 id="mine-day-1">Tuesday 25 November 2025</h3>' in page
    assert 'id="members"' not in page


def test_head_sees_members_and_everything_they_attend(client, personas, agenda):
    client.force_login(personas.head)

    page = client.get("/events/ga-2025/me/").content.decode()

    members = section(page, "members")
    assert f'<a href="/events/ga-2025/people/{agenda["delegate"].pk}/">' in members
    delegation = section(page, "delegation")
    assert "Mine-1a" in delegation
    assert "Ours-2b" in delegation
    assert "Heads-3c" in delegation
    assert "Theirs-4d" not in page


def test_head_opens_a_members_agenda(client, personas, agenda):
    client.force_login(personas.head)

    response = client.get(f"/events/ga-2025/people/{agenda['delegate'].pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Agenda of Sam {agenda['delegate'].last_name}</h1>" in page
    assert "Mine-1a" in page
    assert "Ours-2b" in page
    assert "Heads-3c" not in page


@pytest.mark.parametrize("who", ["delegate", "outsider"])
def test_others_may_not_open_the_heads_agenda(client, personas, agenda, who):
    client.force_login(getattr(personas, who))

    assert client.get(f"/events/ga-2025/people/{agenda['head'].pk}/").status_code == 404


def test_organizer_opens_anyones_agenda(client, personas, agenda):
    client.force_login(personas.organizer)

    response = client.get(f"/events/ga-2025/people/{agenda['head'].pk}/")

    assert response.status_code == 200
    assert "Heads-3c" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, event):
    response = client.get("/events/ga-2025/me/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/events/ga-2025/me/")


def test_account_without_registration_is_told_so(client, personas):
    client.force_login(personas.organizer)

    response = client.get("/events/ga-2025/me/")

    assert response.status_code == 404
    assert "Your account is not registered as a participant of this event." in response.content.decode()


def feed_address(page: str, key: str = "personal") -> str:
    return html.unescape(
        re.search(rf'id="feed-url-{key}" class="feed-url" type="text" value="([^"]+)" dir="ltr"', page)[1]
    )


def test_subscribe_links_carry_the_personal_feed(client, personas, agenda):
    client.force_login(personas.delegate)

    page = client.get("/events/ga-2025/me/").content.decode()

    feed = Feed.objects.get(participant=agenda["delegate"])
    address = feed_address(page)
    assert re.fullmatch(rf"http://127\.0\.0\.1:8000/feeds/{feed.pk}/[\w-]+\.ics", address)
    webcal = "webcal://" + address.removeprefix("http://")
    assert f'<a class="button" href="{webcal}">Apple Calendar, Outlook, Thunderbird</a>' in page
    google = "https://calendar.google.com/calendar/r?cid=" + webcal.replace(":", "%3A").replace("/", "%2F")
    assert f'<a class="button" href="{google}" rel="noopener">Google Calendar</a>' in page
    assert "https://outlook.live.com/calendar/0/addfromweb?url=" + address.replace(":", "%3A").replace(
        "/", "%2F"
    ) in html.unescape(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "<title>QR code of the subscription address</title>" in page


def test_head_also_subscribes_to_the_delegation(client, personas, agenda):
    client.force_login(personas.head)

    page = client.get("/events/ga-2025/me/").content.decode()

    delegation_feed = Feed.objects.get(delegation=agenda["head"].delegation)
    assert f"/feeds/{delegation_feed.pk}/" in feed_address(page, "delegation")


def test_rotating_gives_a_new_address_and_retires_the_old(client, personas, agenda):
    client.force_login(personas.delegate)
    old = feed_address(client.get("/events/ga-2025/me/").content.decode())

    response = client.post("/events/ga-2025/me/feed/rotate/")

    assert (response.status_code, response["Location"]) == (302, "/events/ga-2025/me/")
    page = client.get("/events/ga-2025/me/").content.decode()
    new = feed_address(page)
    assert new != old
    assert "Your calendar has a new address." in page
    assert Client().get(old.removeprefix("http://127.0.0.1:8000")).status_code == 410
    assert Client().get(new.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_rotating_needs_a_post_with_the_csrf_token(personas, agenda):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.delegate)
    old = feed_address(browser.get("/events/ga-2025/me/").content.decode())

    assert browser.get("/events/ga-2025/me/feed/rotate/").status_code == 405
    assert browser.post("/events/ga-2025/me/feed/rotate/").status_code == 403
    assert feed_address(browser.get("/events/ga-2025/me/").content.decode()) == old
    assert Client().get(old.removeprefix("http://127.0.0.1:8000")).status_code == 200


@pytest.mark.parametrize("size", [1, 3])
def test_agenda_query_count_does_not_grow(client, personas, publish, size):
    delegate = Participant.objects.get(user=personas.delegate)
    for n in range(size):
        session = SessionFactory(event=personas.event, start=at(24, 9 + n), end=at(24, 10 + n))
        session.participants.add(delegate)
        SessionFactory(event=personas.event, start=at(25, 9 + n), end=at(25, 10 + n)).delegations.add(
            delegate.delegation
        )
    publish(personas.event)
    client.force_login(personas.head)
    client.get("/events/ga-2025/me/")  # the feeds are made on first view

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/events/ga-2025/me/")

    # The head's own (the delegation's sessions), then the delegation's (the member's too).
    assert response.content.decode().count('<li class="session') == 3 * size
    # Session, user, event, registration, organizer check; the members' roles, the
    # delegation's sessions, two feeds, my sessions, how each stands in my agenda (its
    # "Add to my agenda" button), the members.
    assert len(queries) == 12
