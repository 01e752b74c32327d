"""Feed links in API answers, and rotating them."""

import pytest

from apps.delegations.models import Participant
from apps.feeds.services import feed_urls, participant_feed

pytestmark = pytest.mark.django_db


def test_the_event_answer_carries_its_public_feed(api, event):
    links = api.get("/api/v1/events/ga-2025/").json()["links"]

    assert links["feed"] == {
        "https": "http://127.0.0.1:8000/events/ga-2025/feeds/public.ics",
        "webcal": "webcal://127.0.0.1:8000/events/ga-2025/feeds/public.ics",
        "google": "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F127.0.0.1%3A8000%2Fevents%2Fga-2025%2Ffeeds%2Fpublic.ics",
    }


def test_a_head_sees_personal_and_delegation_feeds(api, personas):
    api.force_authenticate(personas.head)

    mine = api.get("/api/v1/events/ga-2025/me/feeds/").json()
    profile = api.get("/api/v1/events/ga-2025/me/").json()
    me = api.get("/api/v1/me/").json()

    head = Participant.objects.get(user=personas.head)
    assert sorted(mine) == ["delegation", "personal"]
    assert mine["personal"] == feed_urls(participant_feed(participant=head))
    assert profile["feeds"] == mine
    assert me["participations"][0]["feeds"] == mine
    assert mine["personal"]["webcal"].startswith("webcal://127.0.0.1:8000/feeds/")


def test_an_organizer_reads_a_participants_feeds_in_its_detail_not_in_lists(api, personas):
    delegate = Participant.objects.get(user=personas.delegate)
    api.force_authenticate(personas.organizer)

    detail = api.get(f"/api/v1/events/ga-2025/participants/{delegate.pk}/").json()
    listing = api.get("/api/v1/events/ga-2025/participants/").json()["results"]

    assert detail["feeds"] == {"personal": feed_urls(participant_feed(participant=delegate))}
    assert {p["feeds"] for p in listing} == {None}


def test_rotating_gives_a_new_link_and_the_old_one_is_gone(api, client, personas):
    api.force_authenticate(personas.delegate)
    old = api.get("/api/v1/events/ga-2025/me/feeds/").json()["personal"]["https"]

    new = api.post("/api/v1/events/ga-2025/me/feeds/rotate/").json()["personal"]["https"]

    assert new != old
    assert client.get(old.removeprefix("http://127.0.0.1:8000")).status_code == 410
    assert client.get(new.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_a_head_rotates_a_members_link_but_not_another_delegations(api, client, personas):
    delegate = Participant.objects.get(user=personas.delegate)
    outsider = Participant.objects.get(user=personas.outsider)
    old_own = feed_urls(participant_feed(participant=delegate))["https"]
    old_other = feed_urls(participant_feed(participant=outsider))["https"]
    api.force_authenticate(personas.head)

    own = api.post(f"/api/v1/events/ga-2025/participants/{delegate.pk}/feeds/rotate/")
    other = api.post(f"/api/v1/events/ga-2025/participants/{outsider.pk}/feeds/rotate/")

    new_own = own.json()["personal"]["https"]
    assert (own.status_code, other.status_code, other.json()) == (200, 404, {"detail": "Not found."})
    assert new_own == feed_urls(participant_feed(participant=delegate))["https"] != old_own
    assert feed_urls(participant_feed(participant=outsider))["https"] == old_other
    assert client.get(old_own.removeprefix("http://127.0.0.1:8000")).status_code == 410
    assert client.get(new_own.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert client.get(old_other.removeprefix("http://127.0.0.1:8000")).status_code == 200
