"""The history of the programme (versions, changes, change notices, webhooks, admin and
organizer pages) shows each entry only to those who could see the state it records, never
by the session's current code or visibility (docs/decisions/017-history-visibility.md)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.groups import organizers_group_ensure
from apps.delegations.enums import Role
from apps.delegations.models import Delegation, Participant
from apps.notifications.models import WebhookDelivery
from apps.notifications.services.notices import REMOVED, changes_for
from apps.notifications.webhooks.services import webhook_deliveries_plan, webhook_endpoint_create
from apps.programme.models import ScheduleVersion
from tests.factories import EventFactory, ParticipantFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/"
# Every restricted text below carries this word; members-only texts carry MEMBERS.
SECRET = "SECRET"
MEMBERS = "MEMBERS"
# A public address: the private-address rule lets it receive webhooks without a DNS lookup.
PUBLIC_HOOK = "https://93.184.215.14/hooks"


@pytest.fixture
def room(personas):
    return RoomFactory(venue__event=personas.event, name="Plenary Hall")


@pytest.fixture
def organizer_api(personas) -> APIClient:
    client = APIClient()
    client.force_authenticate(personas.organizer)
    return client


@pytest.fixture
def morocco(personas) -> Delegation:
    return personas.event.delegations.get(country="MA")


@pytest.fixture
def people(personas):
    """Who asks: the audience of the restricted sessions (Morocco's head and delegate), the
    event's organizer, and those outside it: anonymous, France's delegate and head, and an
    organizer of another event."""
    france = personas.event.delegations.get(country="FR")
    other_head = ParticipantFactory(
        event=personas.event, delegation=france, role=Role.HEAD, user=UserFactory(username="head-fr")
    ).user
    other_organizer = UserFactory(username="organizer-elsewhere")
    EventFactory(slug="elsewhere").organizers.add(other_organizer)
    return {
        "anonymous": AnonymousUser(),
        "other-delegate": personas.outsider,
        "other-head": other_head,
        "other-event-organizer": other_organizer,
        "delegate": personas.delegate,
        "head": personas.head,
        "organizer": personas.organizer,
    }


OUTSIDE = ("anonymous", "other-delegate", "other-head", "other-event-organizer")
# Outside the event: not even members-only texts.
STRANGERS = ("anonymous", "other-event-organizer")
AUDIENCE = ("delegate", "head", "organizer")


def _client(user) -> APIClient:
    client = APIClient()
    if user.is_authenticated:
        client.force_authenticate(user)
    return client


def _session(organizer_api, room, code: str, title: str, hour: int = 9, **fields) -> None:
    data = {
        "code": code,
        "title": {"en": title},
        "description": {"en": f"About {title}"},
        "room": room.pk,
        "start": f"2025-11-24T{hour:02}:00",
        "end": f"2025-11-24T{hour + 1:02}:00",
        "status": "confirmed",
        "visibility": "public",
        **fields,
    }
    response = organizer_api.post(f"{URL}sessions/", data, format="json")
    assert response.status_code == 201, response.json()


def _publish(organizer_api) -> int:
    response = organizer_api.post(f"{URL}publish/", {"confirm_warnings": True}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["number"]


def _state(code: str, title: str, room, *, visibility: str = "public", delegations=()) -> dict:
    """A session as a version records it, for the sessions these tests make."""
    return {
        "code": code,
        "kind": "plenary",
        "title": {"en": title},
        "description": {"en": f"About {title}"},
        "room": room.pk,
        "start": "2025-11-24T08:00:00+00:00",
        "end": "2025-11-24T09:00:00+00:00",
        "status": "confirmed",
        "visibility": visibility,
        "languages": [],
        "roles": [],
        "for_everyone": False,
        "for_member_delegations": False,
        "expected_attendance": None,
        "participants": [],
        "delegations": list(delegations),
    }


# Y-1 made public: a new title and description, nothing of the restricted texts kept.
OPENED = {"visibility": "public", "title": {"en": "Open talks"}, "description": {"en": "About Open talks"}}


# --- The two leaks as reported -------------------------------------------------------------


def test_a_reused_code_shows_the_public_nothing_of_the_restricted_session_before_it(api, organizer_api, room, morocco):
    restricted = {"visibility": "restricted", "delegations": [morocco.pk]}
    _session(organizer_api, room, "X-1", "SECRET briefing", **restricted)
    _publish(organizer_api)
    organizer_api.delete(f"{URL}sessions/X-1/")
    _publish(organizer_api)
    _session(organizer_api, room, "X-1", "Open plenary")
    _publish(organizer_api)

    response = api.get(f"{URL}changes/?since=0")

    assert (response.status_code, response.json()) == (
        200,
        {
            "since": 0,
            "version": 3,
            "changes": [{"version": 3, "kind": "new", "code": "X-1", "after": _state("X-1", "Open plenary", room)}],
            "next": None,
        },
    )


def test_a_session_made_public_shows_the_public_nothing_of_its_restricted_past(api, organizer_api, room, morocco):
    _session(organizer_api, room, "Y-1", "SECRET talks", visibility="restricted", delegations=[morocco.pk])
    _publish(organizer_api)
    organizer_api.patch(f"{URL}sessions/Y-1/", OPENED, format="json")
    _publish(organizer_api)

    changes = api.get(f"{URL}changes/?since=0")
    versions = api.get(f"{URL}versions/")
    first, second = api.get(f"{URL}versions/1/"), api.get(f"{URL}versions/2/")

    after = _state("Y-1", "Open talks", room, delegations=[morocco.pk])  # expected there, as before
    assert (changes.status_code, changes.json()["changes"]) == (
        200,
        [{"version": 2, "kind": "new", "code": "Y-1", "after": after}],
    )
    assert (versions.status_code, [(v["number"], v["counts"]) for v in versions.json()["results"]]) == (
        200,
        [(2, None), (1, None)],  # how many changes of each kind: for organizers only
    )
    assert (second.status_code, second.json()["changes"]) == (
        200,
        [{"version": 2, "kind": "new", "code": "Y-1", "after": after}],
    )
    assert (first.status_code, first.json()["changes"]) == (200, [])


# --- The canary: a reused code, flips both ways, a restricted session that moves --------------


@pytest.fixture
def history(organizer_api, room, morocco):
    """Three versions.

    1. X-1, Y-1, W-1 restricted to Morocco (SECRET), Z-1 public, P-1 for participants (MEMBERS).
    2. X-1 deleted; Y-1 made public and renamed; Z-1 restricted to Morocco and renamed
       (SECRET); W-1 moved.
    3. A public X-1, another session under the reused code.
    """
    restricted = {"visibility": "restricted", "delegations": [morocco.pk]}
    _session(organizer_api, room, "X-1", "SECRET briefing", **restricted)
    _session(organizer_api, room, "Y-1", "SECRET talks", hour=10, **restricted)
    _session(organizer_api, room, "W-1", "SECRET dinner", hour=11, **restricted)
    _session(organizer_api, room, "Z-1", "Press conference", hour=12)
    _session(organizer_api, room, "P-1", "MEMBERS lunch", hour=13, visibility="participants")
    _publish(organizer_api)
    organizer_api.delete(f"{URL}sessions/X-1/")
    organizer_api.patch(f"{URL}sessions/Y-1/", OPENED, format="json")
    organizer_api.patch(
        f"{URL}sessions/Z-1/",
        {"title": {"en": "SECRET press"}, "description": {"en": "SECRET"}, **restricted},
        format="json",
    )
    organizer_api.patch(f"{URL}sessions/W-1/", {"start": "2025-11-24T19:00", "end": "2025-11-24T21:00"}, format="json")
    _publish(organizer_api)
    _session(organizer_api, room, "X-1", "Open plenary")
    _publish(organizer_api)


def _history_urls() -> list[str]:
    return [
        *(f"{URL}changes/?since={since}" for since in range(4)),
        f"{URL}versions/",
        *(f"{URL}versions/{number}/" for number in (1, 2, 3)),
    ]


def _seen(entries: list[dict]) -> list[tuple]:
    return [
        (e["version"], e["kind"], e["code"], *(e[side]["title"]["en"] for side in ("before", "after") if side in e))
        for e in entries
    ]


SEEN_OUTSIDE = [
    (1, "new", "Z-1", "Press conference"),
    (2, "new", "Y-1", "Open talks"),
    (2, "removed", "Z-1", "Press conference"),
    (3, "new", "X-1", "Open plenary"),
]
SEEN_BY_MEMBERS = [(1, "new", "P-1", "MEMBERS lunch"), *SEEN_OUTSIDE]
SEEN_BY_AUDIENCE = [
    (1, "new", "P-1", "MEMBERS lunch"),
    (1, "new", "W-1", "SECRET dinner"),
    (1, "new", "X-1", "SECRET briefing"),
    (1, "new", "Y-1", "SECRET talks"),
    (1, "new", "Z-1", "Press conference"),
    (2, "moved", "W-1", "SECRET dinner", "SECRET dinner"),
    (2, "changed", "Y-1", "SECRET talks", "Open talks"),
    (2, "changed", "Z-1", "Press conference", "SECRET press"),
    (2, "removed", "X-1", "SECRET briefing"),
    (3, "new", "X-1", "Open plenary"),
]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", SEEN_OUTSIDE),
        ("other-event-organizer", SEEN_OUTSIDE),
        ("other-delegate", SEEN_BY_MEMBERS),
        ("other-head", SEEN_BY_MEMBERS),
        ("delegate", SEEN_BY_AUDIENCE),
        ("head", SEEN_BY_AUDIENCE),
        ("organizer", SEEN_BY_AUDIENCE),
    ],
)
def test_changes_show_each_entry_to_whom_could_see_its_state(history, people, who, expected):
    client = _client(people[who])

    response = client.get(f"{URL}changes/?since=0")
    versions = client.get(f"{URL}versions/")

    assert (response.status_code, _seen(response.json()["changes"])) == (200, expected)
    newest_first = [e for v in versions.json()["results"] for e in client.get(v["url"]).json()["changes"]]
    assert sorted(_seen(newest_first)) == sorted(expected)


@pytest.mark.parametrize("who", OUTSIDE)
def test_no_history_output_shows_restricted_text_outside_its_audience(history, people, who):
    client = _client(people[who])

    answers = {url: client.get(url) for url in _history_urls()}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 200)
    assert [url for url, r in answers.items() if SECRET in r.content.decode()] == []
    if who in STRANGERS:
        assert [url for url, r in answers.items() if MEMBERS in r.content.decode()] == []


@pytest.mark.parametrize("who", AUDIENCE)
def test_the_audience_reads_every_restricted_state_at_every_version(history, people, who):
    client = _client(people[who])

    answers = {url: client.get(url).content.decode() for url in _history_urls()}

    assert [url for url, body in answers.items() if SECRET not in body] == [
        f"{URL}changes/?since=2",  # version 3 holds only the public X-1
        f"{URL}changes/?since=3",
        f"{URL}versions/",  # summaries: the changes are in each version's detail
        f"{URL}versions/3/",
    ]


@pytest.mark.parametrize("who", OUTSIDE)
def test_webhook_deliveries_and_organizer_pages_stay_with_the_events_organizers(
    history, people, personas, client, django_capture_on_commit_callbacks, who
):
    endpoint = webhook_endpoint_create(event=personas.event, url=PUBLIC_HOOK, topics=["session.changed"])
    with django_capture_on_commit_callbacks(execute=False):
        for version in ScheduleVersion.objects.filter(event=personas.event):
            webhook_deliveries_plan(version=version)
    user = people[who]
    if user.is_authenticated:
        client.force_login(user)
    urls = [
        f"{URL}webhooks/{endpoint.pk}/deliveries/",
        "/events/ga-2025/organize/publish/",
        "/events/ga-2025/organize/audit/",
    ]

    answers = {url: _client(user).get(url) if url.startswith("/api/") else client.get(url) for url in urls}

    assert SECRET in json.dumps([d.payload for d in WebhookDelivery.objects.all()])  # for the organizers
    # Anonymous: 401 from the API, the sign-in page for the pages; anyone else: 403 and 404.
    expected = (401, 302, 302) if who == "anonymous" else (403, 404, 404)
    assert tuple(r.status_code for r in answers.values()) == expected
    assert [url for url, r in answers.items() if SECRET in r.content.decode()] == []


def test_the_admin_shows_versions_to_their_events_organizers_only(history, people, personas, client):
    version = ScheduleVersion.objects.get(event=personas.event, number=1)
    for user in (people["organizer"], people["other-event-organizer"]):
        user.is_staff = True
        user.save()
        user.groups.add(organizers_group_ensure())
    url = f"/admin/programme/scheduleversion/{version.pk}/change/"

    client.force_login(people["other-event-organizer"])
    elsewhere = client.get(url, follow=True)
    listing = client.get("/admin/programme/scheduleversion/")
    client.force_login(people["organizer"])
    own = client.get(url)

    assert (elsewhere.status_code, SECRET in elsewhere.content.decode()) == (200, False)
    assert elsewhere.redirect_chain == [("/admin/", 302)]
    assert (listing.status_code, SECRET in listing.content.decode()) == (200, False)
    assert (own.status_code, SECRET in own.content.decode()) == (200, True)


# --- Change notices --------------------------------------------------------------------------


def test_a_change_notice_shows_nothing_of_a_state_the_participant_could_not_see(personas, organizer_api, room, morocco):
    france = personas.event.delegations.get(country="FR")
    delegate = Participant.objects.get(user=personas.delegate)
    _session(organizer_api, room, "W-1", "Dinner", visibility="restricted", delegations=[morocco.pk])
    _publish(organizer_api)
    organizer_api.patch(
        f"{URL}sessions/W-1/",
        {
            "title": {"en": "SECRET dinner"},
            "start": "2025-11-24T19:00",
            "end": "2025-11-24T21:00",
            "delegations": [france.pk],
        },
        format="json",
    )
    _publish(organizer_api)

    changes = changes_for(participant=delegate, versions=[ScheduleVersion.objects.get(number=2)])

    assert [(c.kind, c.code, c.state["title"], c.after) for c in changes] == [(REMOVED, "W-1", {"en": "Dinner"}, None)]


# --- Cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3])
def test_history_queries_do_not_grow_with_its_length(api, personas, organizer_api, room, size):
    for n in range(size):
        _session(
            organizer_api,
            room,
            f"Q-{n}",
            f"Session {n}",
            hour=9 + n,
        )
        _publish(organizer_api)
    api.force_authenticate(personas.delegate)

    with CaptureQueriesContext(connection) as listing:
        versions = api.get(f"{URL}versions/")
    with CaptureQueriesContext(connection) as following:
        changes = api.get(f"{URL}changes/?since=0")

    assert (versions.status_code, versions.json()["count"], changes.status_code) == (200, size, 200)
    # The event, the caller's registration, the organizer check, then count and page; or
    # the latest number, the entries of each version counted, and the versions of the page.
    assert (len(listing), len(following)) == (5, 6)


# --- Paging: a client follows next links and gets every change it may see, once -------------


def _followed(client: APIClient, url: str) -> tuple[list[dict], list[dict]]:
    """Every page from ``url`` on, following ``next``: the entries and the pages."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        pages.append(response.json())
        url = pages[-1]["next"]
    return [entry for page in pages for entry in page["changes"]], pages


@pytest.mark.parametrize("who", ["anonymous", "other-delegate", "delegate", "organizer"])
def test_changes_paged_are_the_changes_in_one_answer(history, people, who):
    client = _client(people[who])

    whole = client.get(f"{URL}changes/?since=0&page_size=1000").json()
    entries, pages = _followed(client, f"{URL}changes/?since=0&page_size=2")

    assert (whole["next"], entries) == (None, whole["changes"])
    assert all(len(page["changes"]) <= 2 for page in pages)
    assert {(page["since"], page["version"]) for page in pages} == {(0, 3)}


def test_a_page_boundary_is_the_same_for_everyone(history, people):
    organizer, anonymous = _client(people["organizer"]), _client(people["anonymous"])

    first = organizer.get(f"{URL}changes/?since=0&page_size=3").json()
    hidden_then_seen = anonymous.get(first["next"]).json()

    # Version 1 records five entries; the organizer's first page held three of them: the
    # anonymous caller's page from there starts at the fourth, whatever it may see of it.
    assert first["next"] == f"http://testserver{URL}changes/?since=0&page_size=3&until=3&after=1%3A2"
    assert _seen(hidden_then_seen["changes"]) == [
        (1, "new", "Z-1", "Press conference"),
        (2, "new", "Y-1", "Open talks"),
        (2, "removed", "Z-1", "Press conference"),
    ]


def test_pages_end_at_the_version_of_the_first_page_while_others_are_published(organizer_api, room):
    for n in range(3):
        _session(organizer_api, room, f"Q-{n}", f"Session {n}", hour=9 + n)
    _publish(organizer_api)

    first = organizer_api.get(f"{URL}changes/?since=0&page_size=2").json()
    organizer_api.patch(f"{URL}sessions/Q-0/", {"title": {"en": "Renamed"}}, format="json")
    _publish(organizer_api)
    rest, _pages = _followed(organizer_api, first["next"])
    polled = organizer_api.get(f"{URL}changes/?since={first['version']}").json()

    assert [(e["version"], e["code"]) for e in first["changes"] + rest] == [(1, "Q-0"), (1, "Q-1"), (1, "Q-2")]
    assert (first["version"], [(e["version"], e["kind"], e["code"]) for e in polled["changes"]]) == (
        1,
        [(2, "changed", "Q-0")],
    )


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("since=0&after=x", {"after": ["Use the after= of a next link."]}),
        ("since=0&after=1:", {"after": ["Use the after= of a next link."]}),
        ("since=0&until=-1", {"until": ["Enter a version number."]}),
        ("since=0&page_size=0", {"page_size": ["Enter a whole number from 1."]}),
    ],
)
def test_a_changes_query_that_no_next_link_makes_is_a_400(api, personas, query, errors):
    response = api.get(f"{URL}changes/?{query}")

    assert (response.status_code, response.json()["errors"]) == (400, errors)


def test_the_versions_list_counts_the_changes_for_organizers_only(history, people):
    organizer, delegate = _client(people["organizer"]), _client(people["delegate"])

    mine = organizer.get(f"{URL}versions/").json()["results"]
    theirs = delegate.get(f"{URL}versions/").json()["results"]

    assert [(v["number"], v["counts"], v["warnings_count"]) for v in mine] == [
        (3, {"new": 1, "moved": 0, "changed": 0, "cancelled": 0, "removed": 0}, 0),
        (2, {"new": 0, "moved": 1, "changed": 2, "cancelled": 0, "removed": 1}, 0),
        (1, {"new": 5, "moved": 0, "changed": 0, "cancelled": 0, "removed": 0}, 0),
    ]
    assert [(v["number"], v["counts"], v["warnings_count"], v["url"]) for v in theirs] == [
        (n, None, None, f"http://testserver{URL}versions/{n}/") for n in (3, 2, 1)
    ]
