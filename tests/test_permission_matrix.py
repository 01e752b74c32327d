"""Every URL of /api/v1/ × every persona, with the status each must get.

The routes are read from the URL resolver: a new endpoint without rows here fails the suite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.groups import organizers_group_ensure
from apps.accounts.services import api_token_create
from apps.delegations.enums import ImportState, Role
from apps.delegations.import_jobs import participant_import_create
from apps.delegations.models import Delegation, Participant, ParticipantImport
from apps.notifications.models import WebhookDelivery
from apps.notifications.webhooks.services import webhook_endpoint_create
from apps.programme.models import AuditEntry
from tests.factories import (
    CASABLANCA,
    EventFactory,
    ParticipantFactory,
    RoomFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)

# ``outsider`` is a delegate of another delegation, ``other_head`` that delegation's head,
# ``other_organizer`` an organizer of another event.
PERSONAS = ("anonymous", "outsider", "delegate", "head", "organizer", "other_head", "other_organizer")
# A public address: the private-address rule lets it receive webhooks without a DNS lookup.
PUBLIC_HOOK = "https://93.184.215.14/hooks"


def start_of(local: str) -> dt.datetime:
    return dt.datetime.fromisoformat(local).replace(tzinfo=CASABLANCA)


def _row(
    anonymous: int,
    outsider: int,
    delegate: int,
    head: int,
    organizer: int,
    other_head: int | None = None,
    other_organizer: int | None = None,
) -> dict[str, int]:
    """Statuses per persona. Another delegation's head gets what its delegate gets, and an
    organizer of another event what an outsider gets, unless the row says otherwise."""
    return dict(
        zip(
            PERSONAS,
            (
                anonymous,
                outsider,
                delegate,
                head,
                organizer,
                outsider if other_head is None else other_head,
                outsider if other_organizer is None else other_organizer,
            ),
            strict=True,
        )
    )


EVERYONE = _row(200, 200, 200, 200, 200)
ORGANIZER_WRITES = _row(401, 403, 403, 403, 200)
ORGANIZER_CREATES = _row(401, 403, 403, 403, 201)
ORGANIZER_DELETES = _row(401, 403, 403, 403, 204)

# (route name, method) -> expected status per persona.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("api-root", "get"): EVERYONE,
    ("token-obtain", "post"): _row(400, 400, 400, 400, 400),  # wrong password, for everyone
    ("me", "get"): _row(401, 200, 200, 200, 200),
    ("my-profile", "get"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-profile", "patch"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-agenda-list", "get"): _row(401, 200, 200, 200, 404, other_organizer=404),
    # Add a public session to one's own agenda: any participant; an organizer is none.
    ("my-agenda-list", "post"): _row(401, 201, 201, 201, 404, other_organizer=404),
    # Take out a session one did not add: 404 for every participant's own agenda.
    ("my-agenda-detail", "delete"): _row(401, 404, 404, 404, 404, other_organizer=404),
    ("token-list", "get"): _row(401, 200, 200, 200, 200),
    ("token-detail", "get"): _row(401, 404, 404, 200, 404),  # the head's token: theirs alone
    ("token-detail", "delete"): _row(401, 404, 404, 204, 404),
    ("event-list", "get"): EVERYONE,
    ("event-list", "post"): _row(401, 403, 403, 403, 201, other_organizer=201),  # both in the Organizers group,
    ("event-detail", "get"): EVERYONE,
    ("event-detail", "patch"): ORGANIZER_WRITES,
    ("event-detail", "delete"): ORGANIZER_DELETES,
    ("venue-list", "get"): EVERYONE,
    ("venue-list", "post"): ORGANIZER_CREATES,
    ("venue-detail", "get"): EVERYONE,
    ("venue-detail", "patch"): ORGANIZER_WRITES,
    ("venue-detail", "delete"): _row(401, 403, 403, 403, 409),  # its room holds a session
    ("room-list", "get"): EVERYONE,
    ("room-list", "post"): ORGANIZER_CREATES,
    ("room-detail", "get"): EVERYONE,
    ("room-detail", "patch"): ORGANIZER_WRITES,
    ("room-detail", "delete"): _row(401, 403, 403, 403, 409),  # it holds a session
    ("delegation-list", "get"): EVERYONE,
    ("delegation-list", "post"): ORGANIZER_CREATES,
    ("delegation-detail", "get"): EVERYONE,
    ("delegation-detail", "patch"): ORGANIZER_WRITES,
    ("delegation-detail", "delete"): _row(401, 403, 403, 403, 409),  # it still has participants
    ("participant-list", "get"): EVERYONE,  # each sees whom they may
    ("participant-list", "post"): _row(401, 403, 403, 201, 201, other_head=201),  # into their own delegation,
    ("participant-detail", "get"): _row(404, 404, 200, 200, 200),  # the delegate
    ("participant-detail", "patch"): _row(401, 403, 403, 200, 200, other_head=404),
    ("participant-detail", "delete"): _row(401, 403, 403, 204, 204, other_head=404),
    ("session-list", "get"): EVERYONE,
    ("session-list", "post"): ORGANIZER_CREATES,
    ("session-detail", "get"): EVERYONE,  # a public session
    ("session-detail", "patch"): ORGANIZER_WRITES,
    ("session-detail", "delete"): ORGANIZER_DELETES,
    ("session-cancel", "post"): ORGANIZER_WRITES,
    ("publish", "get"): _row(401, 403, 403, 403, 200),
    ("publish", "post"): ORGANIZER_CREATES,  # GA-NEXT is new since version 1
    ("version-list", "get"): EVERYONE,
    ("version-detail", "get"): EVERYONE,
    ("changes", "get"): EVERYONE,
    ("conflicts", "get"): _row(401, 403, 403, 403, 200),
    ("my-feeds", "get"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-feeds-rotate", "post"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-reminders", "get"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-reminders", "patch"): _row(401, 200, 200, 200, 404, other_organizer=404),
    ("my-reminders", "put"): _row(401, 400, 400, 400, 404, other_organizer=404),  # an empty body lacks the fields
    ("participant-feeds-rotate", "post"): _row(401, 404, 200, 200, 200),  # the delegate's feed
    ("audit-list", "get"): _row(401, 403, 403, 403, 200),
    ("audit-detail", "get"): _row(401, 403, 403, 403, 200),
    ("webhook-list", "get"): _row(401, 403, 403, 403, 200),
    ("webhook-list", "post"): ORGANIZER_CREATES,
    ("webhook-detail", "get"): _row(401, 403, 403, 403, 200),
    ("webhook-detail", "patch"): ORGANIZER_WRITES,
    ("webhook-detail", "delete"): ORGANIZER_DELETES,
    ("webhook-rotate-secret", "post"): ORGANIZER_WRITES,
    ("webhook-delivery-list", "get"): _row(401, 403, 403, 403, 200),
    ("webhook-delivery-detail", "get"): _row(401, 403, 403, 403, 200),
    ("webhook-delivery-redeliver", "post"): _row(401, 403, 403, 403, 202),  # a failed delivery
    # Imports exist for the event's organizers only; a JSON body is not a CSV file.
    ("participant-imports", "post"): _row(404, 404, 404, 404, 415),
    ("participant-import", "get"): _row(404, 404, 404, 404, 200),
    ("participant-import-apply", "post"): _row(404, 404, 404, 404, 202),  # a checked import
}


def _api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], inside_api: bool) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, inside_api or pattern.namespace == "api")
            elif isinstance(pattern, URLPattern) and inside_api and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns, inside_api=False)
    return names


def test_every_api_route_has_rows_in_the_matrix():
    assert _api_route_names() == {name for name, _method in MATRIX}


def personas_delegation(event: Any, country: str) -> Delegation:
    return Delegation.objects.get(event=event, country=country)


@pytest.fixture
def world(personas, publish):
    """The objects each route acts on, in the personas' event."""
    event = personas.event
    head = Participant.objects.get(user=personas.head)
    delegate = Participant.objects.get(user=personas.delegate)
    venue = VenueFactory(event=event, name="Palais")
    room = RoomFactory(venue=venue, name="Plenary Hall")
    session = SessionFactory(event=event, room=room, code="GA-OPEN")
    token, _secret = api_token_create(user=personas.head, name="matrix")
    version = publish(event)
    SessionFactory(
        event=event, room=room, code="GA-NEXT", start=start_of("2025-11-27T09:00"), end=start_of("2025-11-27T10:00")
    )
    personas.organizer.groups.add(organizers_group_ensure())
    other_head = ParticipantFactory(
        event=event,
        delegation=personas_delegation(event, "FR"),
        role=Role.HEAD,
        user=UserFactory(username="other_head"),
    )
    other_organizer = UserFactory(username="other_organizer")
    other_organizer.groups.add(organizers_group_ensure())
    EventFactory(slug="other-2025").organizers.add(other_organizer)
    webhook = webhook_endpoint_create(event=event, url=PUBLIC_HOOK, topics=["session.changed"])
    delivery = WebhookDelivery.objects.create(endpoint=webhook, topic="session.changed", key="v1:GA-OPEN", payload={})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=10)
    job = participant_import_create(event=event, user=personas.organizer, filename="p.csv", content=b"", language="en")
    ParticipantImport.objects.filter(pk=job.pk).update(state=ImportState.CHECKED)
    return {
        "event": event,
        "venue": venue,
        "room": room,
        "session": session,
        "delegation": head.delegation,
        "participant": delegate,
        "token": token,
        "version": version,
        "audit": AuditEntry.objects.filter(event=event).first(),
        "webhook": webhook,
        "delivery": delivery,
        "import": job,
        "other_head": other_head.user,
        "other_organizer": other_organizer,
    }


def _request(name: str, method: str, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    slug = world["event"].slug
    start = dt.datetime(2025, 11, 26, 9, 0, tzinfo=CASABLANCA)
    bodies: dict[str, dict[str, Any]] = {
        "token-obtain": {"username": "head", "password": "wrong"},
        "event-list": {
            "slug": "ga-2027",
            "name": {"en": "GA 2027"},
            "timezone": "Europe/Vienna",
            "start_date": "2027-11-01",
            "end_date": "2027-11-04",
            "languages": ["en"],
        },
        "venue-list": {"name": "Annex"},
        "room-list": {"venue": world["venue"].pk, "name": "Room 9", "capacity": 20},
        "delegation-list": {"kind": "member", "country": "KE", "region": "africa"},
        "participant-list": {"first_name": "Amal", "last_name": "Sample", "delegation": world["delegation"].pk},
        "webhook-list": {"url": PUBLIC_HOOK, "topics": ["schedule.published"]},
        "my-agenda-list": {"session": "GA-OPEN"},
        "session-list": {
            "title": {"en": "New"},
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat(),
            "room": world["room"].pk,
            "status": "confirmed",
        },
    }
    urls = {
        "api-root": "/api/v1/",
        "token-obtain": "/api/v1/auth/token/",
        "me": "/api/v1/me/",
        "my-profile": f"/api/v1/events/{slug}/me/",
        "my-agenda-list": f"/api/v1/events/{slug}/me/agenda/",
        "my-agenda-detail": f"/api/v1/events/{slug}/me/agenda/GA-OPEN/",
        "token-list": "/api/v1/auth/tokens/",
        "token-detail": f"/api/v1/auth/tokens/{world['token'].pk}/",
        "event-list": "/api/v1/events/",
        "event-detail": f"/api/v1/events/{slug}/",
        "session-cancel": f"/api/v1/events/{slug}/sessions/GA-OPEN/cancel/",
        "publish": f"/api/v1/events/{slug}/publish/",
        "version-list": f"/api/v1/events/{slug}/versions/",
        "version-detail": f"/api/v1/events/{slug}/versions/{world['version'].number}/",
        "changes": f"/api/v1/events/{slug}/changes/?since=0",
        "conflicts": f"/api/v1/events/{slug}/conflicts/",
        "my-feeds": f"/api/v1/events/{slug}/me/feeds/",
        "my-feeds-rotate": f"/api/v1/events/{slug}/me/feeds/rotate/",
        "my-reminders": f"/api/v1/events/{slug}/me/reminders/",
        "participant-feeds-rotate": f"/api/v1/events/{slug}/participants/{world['participant'].pk}/feeds/rotate/",
        "audit-list": f"/api/v1/events/{slug}/audit/",
        "audit-detail": f"/api/v1/events/{slug}/audit/{world['audit'].pk}/",
        "webhook-list": f"/api/v1/events/{slug}/webhooks/",
        "webhook-detail": f"/api/v1/events/{slug}/webhooks/{world['webhook'].pk}/",
        "webhook-rotate-secret": f"/api/v1/events/{slug}/webhooks/{world['webhook'].pk}/rotate-secret/",
        "webhook-delivery-list": f"/api/v1/events/{slug}/webhooks/{world['webhook'].pk}/deliveries/",
        "webhook-delivery-detail": (
            f"/api/v1/events/{slug}/webhooks/{world['webhook'].pk}/deliveries/{world['delivery'].pk}/"
        ),
        "participant-imports": f"/api/v1/events/{slug}/imports/",
        "participant-import": f"/api/v1/events/{slug}/imports/{world['import'].pk}/",
        "participant-import-apply": f"/api/v1/events/{slug}/imports/{world['import'].pk}/apply/",
        "webhook-delivery-redeliver": (
            f"/api/v1/events/{slug}/webhooks/{world['webhook'].pk}/deliveries/{world['delivery'].pk}/redeliver/"
        ),
    }
    for resource in ("venue", "room", "delegation", "participant", "session"):
        plural = f"/api/v1/events/{slug}/{resource}s/"
        urls[f"{resource}-list"] = plural
        key = world[resource].code if resource == "session" else world[resource].pk
        urls[f"{resource}-detail"] = f"{plural}{key}/"
    return urls[name], bodies.get(name, {}) if method in {"post", "patch"} else {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method"), list(MATRIX))
def test_permission_matrix(api, personas, world, persona, name, method):
    user = world[persona] if persona.startswith("other_") else getattr(personas, persona)
    if persona != "anonymous":
        api.force_authenticate(user)
    url, body = _request(name, method, world)

    response = getattr(api, method)(url, body, format="json")

    assert response.status_code == MATRIX[(name, method)][persona], response.content


# Addresses outside /api/v1/ that calendar clients, conference apps and probes ask for: every
# route of the feeds (a token feed's link is its credential; GA-OPEN is public) and /health/
# (which tells anyone but staff only up or down: tests/gaplanner/test_health.py).
OUTSIDE_API: dict[str, dict[str, int]] = {
    "feeds:public": EVERYONE,
    "feeds:room": EVERYONE,
    "feeds:kind": EVERYONE,
    "feeds:day": EVERYONE,
    "feeds:token": EVERYONE,
    "feeds:session": EVERYONE,
    "feeds:frab-json": EVERYONE,
    "feeds:frab-xml": EVERYONE,
    "health": EVERYONE,
}


def _outside_api_route_names() -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "feeds":
            names.update(f"feeds:{inner.name}" for inner in pattern.url_patterns if inner.name)
        elif isinstance(pattern, URLPattern) and pattern.name == "health":
            names.add("health")
    return names


def test_every_feed_route_and_the_health_check_have_rows():
    assert _outside_api_route_names() == set(OUTSIDE_API)


def _outside_api_url(name: str, world: dict[str, Any]) -> str:
    from apps.feeds.services import feed_urls, participant_feed

    slug = world["event"].slug
    kwargs: dict[str, dict[str, Any]] = {
        "feeds:room": {"event_slug": slug, "room_id": world["room"].pk},
        "feeds:kind": {"event_slug": slug, "kind": "plenary"},
        "feeds:day": {"event_slug": slug, "day": "2025-11-24"},
        "feeds:session": {"event_slug": slug, "code": "GA-OPEN"},
        "health": {},
    }
    if name == "feeds:token":
        return urlsplit(feed_urls(participant_feed(participant=world["participant"]))["https"]).path
    return reverse(name, kwargs=kwargs.get(name, {"event_slug": slug}))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(OUTSIDE_API))
def test_outside_api_matrix(client, personas, world, persona, name):
    user = world[persona] if persona.startswith("other_") else getattr(personas, persona)
    if persona != "anonymous":
        client.force_login(user)
    url = _outside_api_url(name, world)

    response = client.get(url)

    assert response.status_code == OUTSIDE_API[name][persona], response.content
