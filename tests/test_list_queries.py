"""The number of SQL queries of every API list does not grow with its length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.services import api_token_create
from apps.delegations.models import Participant
from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from apps.programme.enums import Visibility
from apps.programme.services import schedule_publish
from tests.factories import (
    DelegationFactory,
    EventFactory,
    ParticipantFactory,
    RoomFactory,
    SessionFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def _make(kind: str, personas, n: int) -> None:
    event = personas.event
    me = Participant.objects.get(user=personas.head)
    makers = {
        "events": lambda: EventFactory(),
        "venues": lambda: VenueFactory(event=event),
        "rooms": lambda: RoomFactory(venue__event=event),
        "delegations": lambda: DelegationFactory(event=event, country=["KE", "BR", "JP"][n]),
        "participants": lambda: ParticipantFactory(event=event, delegation=me.delegation),
        "sessions": lambda: SessionFactory(event=event, audience={"participants": [me]}),
        "agenda": lambda: SessionFactory(
            event=event, visibility=Visibility.RESTRICTED, audience={"participants": [me]}
        ),
        "tokens": lambda: api_token_create(user=personas.head),
        # A version per item, each with a restricted session for the caller: its changes are
        # judged by the states the version records, with no query per version or entry.
        "versions": lambda: (
            SessionFactory(event=event, visibility=Visibility.RESTRICTED, audience={"participants": [me]}),
            schedule_publish(event=event, confirm_warnings=True),
        ),
        "webhooks": lambda: WebhookEndpoint.objects.create(event=event, url=HOOK, topics=["session.changed"]),
        "webhook-deliveries": lambda: WebhookDelivery.objects.create(
            endpoint=WebhookEndpoint.objects.get_or_create(
                event=event, url=HOOK, defaults={"topics": ["session.changed"]}
            )[0],
            topic="session.changed",
            key=f"v1:S-{n}",
            payload={},
        ),
    }
    makers[kind]()


# (url, queries): the literal count, the same for 1 and 3 items. Under an event: the event,
# the caller's registration, organizer check, count, page (+ one per prefetched relation).
URLS = {
    "events": ("/api/v1/events/", 2),
    "venues": ("/api/v1/events/ga-2025/venues/", 5),
    "rooms": ("/api/v1/events/ga-2025/rooms/", 5),
    "delegations": ("/api/v1/events/ga-2025/delegations/", 5),
    "participants": ("/api/v1/events/ga-2025/participants/", 5),
    "sessions": ("/api/v1/events/ga-2025/sessions/", 7),
    "agenda": ("/api/v1/events/ga-2025/me/agenda/", 7),
    "tokens": ("/api/v1/auth/tokens/", 2),
    "versions": ("/api/v1/events/ga-2025/versions/", 5),
    "webhooks": ("/api/v1/events/ga-2025/webhooks/", 5),
    # + the endpoint the deliveries belong to
    "webhook-deliveries": ("/api/v1/events/ga-2025/webhooks/{webhook}/deliveries/", 6),
}
# Lists that only organizers read.
AS_ORGANIZER = {"webhooks", "webhook-deliveries"}
HOOK = "https://hooks.example.org/gaplanner"


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("kind", list(URLS))
def test_list_queries_do_not_grow_with_length(api, personas, publish, kind, size):
    url, expected = URLS[kind]
    for n in range(size):
        _make(kind, personas, n)
    if kind in {"sessions", "agenda"}:
        publish(personas.event)
    api.force_authenticate(personas.organizer if kind in AS_ORGANIZER else personas.head)
    webhook = WebhookEndpoint.objects.filter(event=personas.event).first()
    url = url.format(webhook=webhook.pk if webhook else 0)

    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)

    assert response.status_code == 200
    assert response.json()["count"] >= size
    assert len(queries) == expected
