"""Webhooks in the API: organizers register, change, rotate and delete endpoints, and follow
and repeat their deliveries; the secret is shown in the create and rotate answers only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.services import webhook_deliver, webhook_deliveries_plan, webhook_endpoint_create
from tests.factories import EventFactory, SessionFactory

from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/webhooks/"
HOOK = "https://hooks.example.org/gaplanner"
CREATED = "2025-11-20 10:00:00+00:00"


@pytest.fixture
def organizer(api, personas, settings):
    """An organizer's client; host names are not resolved (no network in tests)."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    api.force_authenticate(personas.organizer)
    return api


@pytest.fixture
def endpoint(personas, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    with time_machine.travel(CREATED, tick=False):
        return webhook_endpoint_create(
            event=personas.event, url=HOOK, topics=["session.changed", "session.cancelled"], description="Transport"
        )


def _listed(endpoint: WebhookEndpoint, **changes: object) -> dict[str, object]:
    return {
        "id": endpoint.pk,
        "url": HOOK,
        "topics": ["session.changed", "session.cancelled"],
        "description": "Transport",
        "is_active": True,
        "created_at": "2025-11-20T11:00:00+01:00",
        "updated_at": "2025-11-20T11:00:00+01:00",
        **changes,
    }


def test_an_organizer_registers_an_endpoint_and_sees_its_secret_once(organizer):
    with time_machine.travel(CREATED, tick=False):
        response = organizer.post(
            URL, {"url": HOOK, "topics": ["schedule.published"], "description": "Badging"}, format="json"
        )
    endpoint = WebhookEndpoint.objects.get()
    listed = organizer.get(URL)
    detail = organizer.get(f"{URL}{endpoint.pk}/")

    shown = {
        "id": endpoint.pk,
        "url": HOOK,
        "topics": ["schedule.published"],
        "description": "Badging",
        "is_active": True,
        "created_at": "2025-11-20T11:00:00+01:00",
        "updated_at": "2025-11-20T11:00:00+01:00",
    }
    assert (response.status_code, response.json()) == (201, {**shown, "secret": endpoint.secret})
    assert (listed.status_code, listed.json()) == (
        200,
        {"count": 1, "next": None, "previous": None, "results": [shown]},
    )
    assert (detail.status_code, detail.json()) == (200, shown)


def test_a_private_url_is_refused_naming_url(organizer, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    response = organizer.post(URL, {"url": "http://127.0.0.1:6379/", "topics": ["session.changed"]}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Invalid input.",
            "errors": {
                "url": ["The host 127.0.0.1 resolves to 127.0.0.1, a loopback address: it may not receive webhooks."]
            },
        },
    )
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"url": "ftp://hooks.example.org/", "topics": ["session.changed"]},
            {"url": ["Enter an http:// or https:// URL."]},
        ),
        ({"url": HOOK, "topics": []}, {"topics": ["This list may not be empty."]}),
        ({"url": HOOK, "topics": ["session.moved"]}, {"topics": ['item 0: "session.moved" is not a valid choice.']}),
        ({"url": HOOK, "topics": ["session.changed"], "topic": "session.changed"}, {"topic": ["Unknown field."]}),
        ({"topics": ["session.changed"]}, {"url": ["This field is required."]}),
    ],
)
def test_invalid_endpoints_are_refused_naming_the_field(organizer, body, errors):
    response = organizer.post(URL, body, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    assert not WebhookEndpoint.objects.exists()


def test_a_secret_sent_by_the_client_is_not_used(organizer):
    response = organizer.post(URL, {"url": HOOK, "topics": ["session.changed"], "secret": "mine"}, format="json")

    endpoint = WebhookEndpoint.objects.get()
    assert (response.status_code, response.json()["secret"]) == (201, endpoint.secret)
    assert endpoint.secret != "mine"


def test_an_organizer_changes_an_endpoint_without_seeing_its_secret(organizer, endpoint):
    with time_machine.travel("2025-11-21 08:00:00+00:00", tick=False):
        response = organizer.patch(f"{URL}{endpoint.pk}/", {"is_active": False, "topics": ["session.changed"]})

    expected = _listed(endpoint, is_active=False, topics=["session.changed"], updated_at="2025-11-21T09:00:00+01:00")
    secret = endpoint.secret
    endpoint.refresh_from_db()
    assert (response.status_code, response.json()) == (200, expected)
    assert (endpoint.is_active, endpoint.topics, endpoint.secret) == (False, ["session.changed"], secret)


def test_rotating_the_secret_answers_the_new_one(organizer, endpoint):
    old = endpoint.secret

    with time_machine.travel("2025-11-21 08:00:00+00:00", tick=False):
        response = organizer.post(f"{URL}{endpoint.pk}/rotate-secret/")

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert (response.status_code, response.json()) == (
        200,
        _listed(endpoint, updated_at="2025-11-21T09:00:00+01:00", secret=endpoint.secret),
    )


def test_an_organizer_deletes_an_endpoint_and_its_deliveries(organizer, endpoint):
    WebhookDelivery.objects.create(endpoint=endpoint, topic="session.changed", key="v1:A", payload={})

    response = organizer.delete(f"{URL}{endpoint.pk}/")

    assert (response.status_code, response.content) == (204, b"")
    assert (WebhookEndpoint.objects.count(), WebhookDelivery.objects.count()) == (0, 0)


def test_another_events_endpoint_is_not_found(organizer, endpoint):
    other = webhook_endpoint_create(event=EventFactory(), url=HOOK, topics=["session.changed"])

    response = organizer.get(f"{URL}{other.pk}/")
    deliveries = organizer.get(f"{URL}{other.pk}/deliveries/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert (deliveries.status_code, deliveries.json()) == (404, {"detail": "Not found."})


@pytest.mark.parametrize("persona", ["outsider", "delegate", "head"])
def test_other_personas_may_not_see_webhooks(api, personas, endpoint, persona):
    api.force_authenticate(getattr(personas, persona))

    response = api.get(f"{URL}{endpoint.pk}/")

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )


def test_anonymous_callers_are_asked_to_sign_in(api, endpoint):
    response = api.get(URL)

    assert (response.status_code, response.json()) == (401, {"detail": "Authentication credentials were not provided."})


@pytest.fixture
def delivered(personas, settings, publish, django_capture_on_commit_callbacks):
    """A publication delivered to a real local receiver: one delivered, one failed."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.SITE_URL = "https://planner.example.org"
    SessionFactory(event=personas.event, code="GA-OPEN")
    with Receiver() as receiver:
        receiver.answer(204, 500)
        endpoint = webhook_endpoint_create(
            event=personas.event, url=receiver.url, topics=["schedule.published", "session.changed"]
        )
        with time_machine.travel(CREATED, tick=False):
            version = publish(personas.event)
            with django_capture_on_commit_callbacks(execute=False):
                webhook_deliveries_plan(version=version)
        with time_machine.travel("2025-11-20 10:00:05+00:00", tick=False):
            published = webhook_deliver(delivery_id=WebhookDelivery.objects.get(key="v1").pk)
            changed = webhook_deliver(delivery_id=WebhookDelivery.objects.get(key="v1:GA-OPEN").pk)
    return endpoint, published, changed


def _delivery_json(delivery: WebhookDelivery) -> dict[str, object]:
    return {
        "id": delivery.pk,
        "topic": delivery.topic,
        "key": delivery.key,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": None,
        "last_attempt_at": "2025-11-20T11:00:05+01:00",
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": "2025-11-20T11:00:05+01:00" if delivery.status == "delivered" else None,
        "created_at": "2025-11-20T11:00:00+01:00",
        "payload": delivery.payload,
    }


def test_an_organizer_follows_deliveries_by_status(organizer, delivered):
    endpoint, published, changed = delivered

    every = organizer.get(f"{URL}{endpoint.pk}/deliveries/")
    failed = organizer.get(f"{URL}{endpoint.pk}/deliveries/", {"status": "failed"})
    one = organizer.get(f"{URL}{endpoint.pk}/deliveries/{published.pk}/")

    assert (published.status, changed.status, changed.last_error) == (
        "delivered",
        "failed",
        "HTTP 500 Internal Server Error",
    )
    assert (every.status_code, [item["id"] for item in every.json()["results"]]) == (200, [changed.pk, published.pk])
    assert (failed.status_code, failed.json()) == (
        200,
        {"count": 1, "next": None, "previous": None, "results": [_delivery_json(changed)]},
    )
    assert (one.status_code, one.json()) == (200, _delivery_json(published))
    assert (
        one.json()["payload"]["data"]["changes_url"]
        == "https://planner.example.org/api/v1/events/ga-2025/changes/?since=0"
    )


def test_an_organizer_redelivers_a_failed_delivery(organizer, delivered, django_capture_on_commit_callbacks):
    endpoint, _published, changed = delivered

    with (
        django_capture_on_commit_callbacks(execute=False) as enqueued,
        time_machine.travel("2025-11-20 10:30:00+00:00", tick=False),
    ):
        response = organizer.post(f"{URL}{endpoint.pk}/deliveries/{changed.pk}/redeliver/")

    assert len(enqueued) == 1
    assert (response.status_code, response.json()) == (
        202,
        {
            **_delivery_json(changed),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": "2025-11-20T11:30:00+01:00",
        },
    )
    changed.refresh_from_db()
    assert (changed.status, changed.attempts, changed.next_attempt_at.isoformat()) == (
        "pending",
        0,
        "2025-11-20T10:30:00+00:00",
    )


def test_a_pending_delivery_is_not_redelivered(organizer, delivered, django_capture_on_commit_callbacks):
    endpoint, _published, changed = delivered
    with django_capture_on_commit_callbacks(execute=False):
        organizer.post(f"{URL}{endpoint.pk}/deliveries/{changed.pk}/redeliver/")
    pending = WebhookDelivery.objects.values().get(pk=changed.pk)

    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = organizer.post(f"{URL}{endpoint.pk}/deliveries/{changed.pk}/redeliver/")

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "This delivery is still pending: it is tried again at its next_attempt_at.", "conflicts": []},
    )
    assert (enqueued, WebhookDelivery.objects.values().get(pk=changed.pk)) == ([], pending)


def test_a_delivery_of_another_endpoint_is_not_found(organizer, delivered, endpoint):
    _endpoint, published, _changed = delivered

    before = WebhookDelivery.objects.values().get(pk=published.pk)

    response = organizer.post(f"{URL}{endpoint.pk}/deliveries/{published.pk}/redeliver/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert WebhookDelivery.objects.values().get(pk=published.pk) == before
    assert (before["status"], before["attempts"]) == ("delivered", 1)


def test_times_follow_the_event_offset_after_morocco_leaves_utc_plus_one(organizer, personas, settings):
    """From 2026-09-20 (tz 2026c) Casablanca is UTC+00:00 for good."""
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        response = organizer.post(URL, {"url": HOOK, "topics": ["session.changed"]}, format="json")

    assert (response.status_code, response.json()["created_at"]) == (201, "2026-11-02T09:00:00+00:00")
