"""The personal and delegation feeds follow the agenda: the sessions of every participant,
and those the participant added, until they are cancelled."""

import datetime as dt

import pytest

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.feeds.services import delegation_feed, feed_urls, participant_feed
from apps.programme.enums import SessionKind
from apps.programme.models import Session
from apps.programme.services import agenda_add, session_cancel
from tests.factories import CASABLANCA, SessionFactory

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


@pytest.fixture
def programme(personas, publish):
    event = personas.event
    SessionFactory(event=event, room=None, code="GA-OPEN", title={"en": "Opening ceremony"}, for_everyone=True)
    SessionFactory(
        event=event,
        room=None,
        code="SIDE-1",
        kind=SessionKind.SIDE_EVENT,
        title={"en": "Women in policing"},
        start=dt.datetime(2025, 11, 24, 13, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 14, 0, tzinfo=CASABLANCA),
    )
    publish(event)
    return event


def test_personal_feed_holds_the_opening_and_a_side_event_added_until_it_is_cancelled(
    client, personas, programme, publish, django_capture_on_commit_callbacks
):
    delegate = Participant.objects.select_related("delegation").get(user=personas.delegate)
    url = _path(feed_urls(participant_feed(participant=delegate))["https"])
    first = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        agenda_add(principal=Principal(event=programme, participant=delegate), code="SIDE-1")
    added = client.get(url)
    session_cancel(session=Session.objects.working().get(code="SIDE-1"))
    publish(programme)

    cancelled = client.get(url)

    assert (first.status_code, added.status_code, cancelled.status_code) == (200, 200, 200)
    assert (b"SUMMARY:Opening ceremony" in first.content, b"Women in policing" in first.content) == (True, False)
    assert (b"SUMMARY:Opening ceremony" in added.content, b"SUMMARY:Women in policing" in added.content) == (
        True,
        True,
    )
    # A session the participant added leaves their agenda when it is cancelled (the change
    # notice tells them); sessions their audience expects them at stay, as STATUS:CANCELLED.
    assert (b"SUMMARY:Opening ceremony" in cancelled.content, b"Women in policing" in cancelled.content) == (
        True,
        False,
    )


def test_delegation_feed_holds_the_opening_and_what_its_members_added(
    client, personas, programme, django_capture_on_commit_callbacks
):
    delegate = Participant.objects.select_related("delegation").get(user=personas.delegate)
    url = _path(feed_urls(delegation_feed(delegation=delegate.delegation))["https"])
    with django_capture_on_commit_callbacks(execute=True):
        agenda_add(principal=Principal(event=programme, participant=delegate), code="SIDE-1")

    response = client.get(url)

    assert response.status_code == 200
    assert (b"SUMMARY:Opening ceremony" in response.content, b"SUMMARY:Women in policing" in response.content) == (
        True,
        True,
    )
