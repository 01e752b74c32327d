"""Webhook deliveries: planned from a publication, POSTed signed to a real local receiver,
retried by backoff, given up on, never sent twice, refused for private addresses."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.notifications.enums import WebhookTopic
from apps.notifications.models import WebhookDelivery
from apps.notifications.webhooks.services import (
    DeliveryStillPending,
    webhook_deliver,
    webhook_deliveries_enqueue_due,
    webhook_deliveries_plan,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_secret_rotate,
)
from apps.notifications.webhooks.signing import webhook_signature, webhook_signature_verify
from apps.programme.services import session_cancel, session_save
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory

from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

PUBLISHED_AT = "2025-11-20 10:00:00+00:00"
NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=dt.UTC)
ALL_TOPICS = [WebhookTopic.SCHEDULE_PUBLISHED, WebhookTopic.SESSION_CHANGED, WebhookTopic.SESSION_CANCELLED]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def local_hosts(settings):
    """The receiver listens on 127.0.0.1, which only this setting lets receive webhooks."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.SITE_URL = "https://planner.example.org"
    return settings


@pytest.fixture
def assembly(db):
    event = EventFactory(slug="ga-2025")
    room = RoomFactory(venue__event=event, name="Plenary Hall")
    session = SessionFactory(
        event=event, code="GA-OPEN", room=room, title={"en": "Opening", "fr": "Ouverture"}, languages=["en", "fr"]
    )
    return event, session


@pytest.fixture
def endpoint(assembly, receiver, local_hosts):
    event, _session = assembly
    return webhook_endpoint_create(event=event, url=receiver.url, topics=ALL_TOPICS, description="Badging")


@pytest.fixture
def planned(publish, django_capture_on_commit_callbacks):
    """Publish at a literal instant and plan the version's deliveries (their tasks, enqueued
    after commit, are left out: these tests call the delivery service)."""

    def run(event, note: str = "") -> tuple[object, int]:
        with time_machine.travel(PUBLISHED_AT, tick=False):
            version = publish(event, note)
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                made = webhook_deliveries_plan(version=version)
        assert len(callbacks) == (1 if made else 0)
        return version, made

    return run


def _delivery(topic: str, key: str) -> WebhookDelivery:
    return WebhookDelivery.objects.get(topic=topic, key=key)


def _state(session, **changes) -> dict[str, object]:
    state = {
        "code": "GA-OPEN",
        "kind": "plenary",
        "title": {"en": "Opening", "fr": "Ouverture"},
        "description": {},
        "room": session.room_id,
        "start": "2025-11-24T09:00:00+01:00",
        "end": "2025-11-24T10:00:00+01:00",
        "status": "confirmed",
        "visibility": "public",
        "languages": ["en", "fr"],
        "roles": [],
        "for_everyone": False,
        "for_member_delegations": False,
        "expected_attendance": None,
        "participants": [],
        "delegations": [],
    }
    return {**state, **changes}


def test_signature_verifies_with_the_secret_only_and_only_while_fresh():
    body = b'{"id":1}'
    header = webhook_signature(secret="s3cret", timestamp=1_763_632_800, body=body)

    assert header == "t=1763632800,v1=" + hmac.new(b"s3cret", b'1763632800.{"id":1}', hashlib.sha256).hexdigest()
    assert webhook_signature_verify(secret="s3cret", header=header, body=body, now=1_763_632_800 + 300)
    assert not webhook_signature_verify(secret="s3cret", header=header, body=body, now=1_763_632_800 + 301)
    assert not webhook_signature_verify(secret="other", header=header, body=body, now=1_763_632_800)
    assert not webhook_signature_verify(secret="s3cret", header=header, body=b'{"id":2}', now=1_763_632_800)
    assert not webhook_signature_verify(secret="s3cret", header="v1=abc", body=body, now=1_763_632_800)


def test_plan_makes_one_delivery_per_topic_and_session_and_nothing_twice(assembly, endpoint, planned):
    event, session = assembly
    SessionFactory(
        event=event,
        code="GA-CLOSE",
        room=session.room,
        start=dt.datetime(2025, 11, 27, 9, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 27, 10, tzinfo=CASABLANCA),
    )

    version, made = planned(event)
    again = webhook_deliveries_plan(version=version)

    assert (made, again) == (3, 0)
    assert sorted(WebhookDelivery.objects.values_list("topic", "key", "status")) == [
        ("schedule.published", "v1", "pending"),
        ("session.changed", "v1:GA-CLOSE", "pending"),
        ("session.changed", "v1:GA-OPEN", "pending"),
    ]


def test_plan_leaves_out_inactive_endpoints_and_topics_not_subscribed(assembly, receiver, local_hosts, planned):
    event, session = assembly
    webhook_endpoint_create(event=event, url=receiver.url, topics=[WebhookTopic.SESSION_CANCELLED])
    webhook_endpoint_create(event=event, url=receiver.url, topics=ALL_TOPICS, is_active=False)
    planned(event)
    session_cancel(session=session)

    _version, made = planned(event)

    assert made == 1
    assert list(WebhookDelivery.objects.values_list("topic", "key")) == [("session.cancelled", "v2:GA-OPEN")]


def test_deliver_posts_the_signed_body_and_a_2xx_answer_delivers(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event, "First programme")
    delivery = _delivery("schedule.published", "v1")

    with time_machine.travel("2025-11-20 10:00:07+00:00", tick=False):
        result = webhook_deliver(delivery_id=delivery.pk)

    [request] = receiver.requests
    assert (result.status, result.attempts, result.last_status_code, result.last_error) == ("delivered", 1, 204, "")
    assert result.delivered_at == dt.datetime(2025, 11, 20, 10, 0, 7, tzinfo=dt.UTC)
    assert result.next_attempt_at is None
    assert request.path == "/hooks/gaplanner"
    assert json.loads(request.body) == {
        "id": delivery.pk,
        "topic": "schedule.published",
        "event": "ga-2025",
        "created": "2025-11-20T11:00:00+01:00",
        "data": {
            "version": 1,
            "note": "First programme",
            "published_at": "2025-11-20T11:00:00+01:00",
            "changes": {
                "new": {"count": 1, "codes": ["GA-OPEN"]},
                "moved": {"count": 0, "codes": []},
                "changed": {"count": 0, "codes": []},
                "cancelled": {"count": 0, "codes": []},
                "removed": {"count": 0, "codes": []},
            },
            "changes_url": "https://planner.example.org/api/v1/events/ga-2025/changes/?since=0",
        },
    }
    assert {name: request.headers[name] for name in ("content-type", "user-agent", "x-gaplanner-topic")} == {
        "content-type": "application/json",
        "user-agent": "gaplanner-webhooks",
        "x-gaplanner-topic": "schedule.published",
    }
    assert request.headers["x-gaplanner-delivery"] == str(delivery.pk)
    assert request.headers["x-gaplanner-signature"].startswith("t=1763632807,v1=")
    assert webhook_signature_verify(
        secret=endpoint.secret, header=request.headers["x-gaplanner-signature"], body=request.body, now=1763632807
    )


def test_session_changes_carry_the_states_before_and_after_in_event_time(assembly, endpoint, planned, receiver):
    event, session = assembly
    planned(event)
    session_save(
        session=session,
        data={
            "start": dt.datetime(2025, 11, 24, 11, tzinfo=CASABLANCA),
            "end": dt.datetime(2025, 11, 24, 12, tzinfo=CASABLANCA),
        },
    )
    planned(event)
    moved = _delivery("session.changed", "v2:GA-OPEN")

    webhook_deliver(delivery_id=moved.pk)

    [request] = receiver.requests
    assert json.loads(request.body) == {
        "id": moved.pk,
        "topic": "session.changed",
        "event": "ga-2025",
        "created": "2025-11-20T11:00:00+01:00",
        "data": {
            "version": 2,
            "code": "GA-OPEN",
            "kind": "moved",
            "fields": ["end", "start"],
            "before": _state(session),
            "after": _state(session, start="2025-11-24T11:00:00+01:00", end="2025-11-24T12:00:00+01:00"),
            "session_url": "https://planner.example.org/api/v1/events/ga-2025/sessions/GA-OPEN/",
        },
    }


def test_a_cancelled_session_is_its_own_topic(assembly, endpoint, planned, receiver):
    event, session = assembly
    planned(event)
    session_cancel(session=session)
    planned(event)
    cancelled = _delivery("session.cancelled", "v2:GA-OPEN")

    webhook_deliver(delivery_id=cancelled.pk)

    body = json.loads(receiver.requests[0].body)
    assert (receiver.requests[0].headers["x-gaplanner-topic"], body["topic"]) == (
        "session.cancelled",
        "session.cancelled",
    )
    assert body["data"] | {"before": None, "after": None} == {
        "version": 2,
        "code": "GA-OPEN",
        "kind": "cancelled",
        "fields": ["status"],
        "before": None,
        "after": None,
        "session_url": "https://planner.example.org/api/v1/events/ga-2025/sessions/GA-OPEN/",
    }
    assert (body["data"]["before"]["status"], body["data"]["after"]["status"]) == ("confirmed", "cancelled")


def test_a_failed_attempt_waits_by_backoff_and_is_not_tried_before(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event)
    receiver.answer(500)
    delivery = _delivery("schedule.published", "v1")

    first = webhook_deliver(delivery_id=delivery.pk, now=NOW)
    early = webhook_deliver(delivery_id=delivery.pk, now=NOW + dt.timedelta(seconds=59))

    assert len(receiver.requests) == 1
    assert (first.status, first.attempts, first.last_status_code, first.last_error) == (
        "pending",
        1,
        500,
        "HTTP 500 Internal Server Error",
    )
    assert NOW + dt.timedelta(seconds=60) <= first.next_attempt_at <= NOW + dt.timedelta(seconds=66)
    assert (early.attempts, early.next_attempt_at) == (1, first.next_attempt_at)


@pytest.mark.parametrize(("attempts", "base"), [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (9, 3600)])
def test_backoff_doubles_from_a_minute_up_to_an_hour(assembly, endpoint, planned, receiver, attempts, base):
    event, _session = assembly
    planned(event)
    receiver.answer(503)
    delivery = _delivery("schedule.published", "v1")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=attempts - 1)

    result = webhook_deliver(delivery_id=delivery.pk, now=NOW)

    wait = (result.next_attempt_at - NOW).total_seconds()
    assert (result.attempts, result.status) == (attempts, "pending")
    assert base <= wait <= base * 1.1


def test_after_the_last_attempt_the_delivery_has_failed(assembly, endpoint, planned, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    event, _session = assembly
    planned(event)
    receiver.answer(500, 502, 404)
    delivery = _delivery("schedule.published", "v1")

    results = []
    at = NOW
    for _attempt in range(3):
        result = webhook_deliver(delivery_id=delivery.pk, now=at)
        results.append((result.status, result.attempts, result.last_status_code))
        at = result.next_attempt_at or at
    later = webhook_deliver(delivery_id=delivery.pk, now=at + dt.timedelta(days=1))

    assert results == [("pending", 1, 500), ("pending", 2, 502), ("failed", 3, 404)]
    assert (later.status, later.next_attempt_at, later.last_error) == ("failed", None, "HTTP 404 Not Found")
    assert len(receiver.requests) == 3


def test_a_second_task_for_a_delivered_delivery_posts_nothing(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event)
    delivery = _delivery("schedule.published", "v1")

    webhook_deliver(delivery_id=delivery.pk)
    again = webhook_deliver(delivery_id=delivery.pk)

    assert (again.status, again.attempts, len(receiver.requests)) == ("delivered", 1, 1)


def test_a_redirect_is_not_followed(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event)
    receiver.answer(302, headers={"Location": receiver.url + "/elsewhere"})
    delivery = _delivery("schedule.published", "v1")

    result = webhook_deliver(delivery_id=delivery.pk, now=NOW)

    assert (result.status, result.last_status_code, result.last_error) == (
        "pending",
        302,
        "HTTP 302 Found: redirects are not followed",
    )
    assert [request.path for request in receiver.requests] == ["/hooks/gaplanner"]


def test_a_receiver_that_is_down_is_a_failed_attempt(assembly, local_hosts, planned):
    event, _session = assembly
    with Receiver() as gone:
        url = gone.url
    webhook_endpoint_create(event=event, url=url, topics=ALL_TOPICS)
    planned(event)
    delivery = _delivery("schedule.published", "v1")

    result = webhook_deliver(delivery_id=delivery.pk, now=NOW)

    assert (result.status, result.attempts, result.last_status_code) == ("pending", 1, None)
    assert result.last_error == "connection failed: [Errno 111] Connection refused"


def test_a_private_address_is_refused_at_delivery_when_the_setting_is_off(
    assembly, endpoint, planned, receiver, settings
):
    event, _session = assembly
    planned(event)
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    delivery = _delivery("schedule.published", "v1")

    result = webhook_deliver(delivery_id=delivery.pk, now=NOW)

    assert (result.status, result.attempts, result.last_status_code) == ("pending", 1, None)
    assert result.last_error == "refused: the host 127.0.0.1 resolves to 127.0.0.1, a loopback address"
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://127.0.0.1:8000/hook",
            "The host 127.0.0.1 resolves to 127.0.0.1, a loopback address: it may not receive webhooks.",
        ),
        (
            "http://localhost/hook",
            "The host localhost resolves to 127.0.0.1, a loopback address: it may not receive webhooks.",
        ),
        (
            "https://10.1.2.3/hook",
            "The host 10.1.2.3 resolves to 10.1.2.3, a private address: it may not receive webhooks.",
        ),
        (
            "http://169.254.169.254/latest",
            "The host 169.254.169.254 resolves to 169.254.169.254, a link-local address: it may not receive webhooks.",
        ),
        ("http://[::1]/hook", "The host ::1 resolves to ::1, a loopback address: it may not receive webhooks."),
        (
            "http://[::ffff:127.0.0.1]/hook",
            "The host ::ffff:127.0.0.1 resolves to ::ffff:127.0.0.1, a loopback address: it may not receive webhooks.",
        ),
        (
            "http://[2002:7f00:1::]/hook",
            "The host 2002:7f00:1:: resolves to 2002:7f00:1::, a loopback address: it may not receive webhooks.",
        ),
        (
            "http://[2002:5db8:d70e::]/hook",
            "The host 2002:5db8:d70e:: resolves to 2002:5db8:d70e::, a private address: it may not receive webhooks.",
        ),
        (
            "http://192.0.0.8/hook",
            "The host 192.0.0.8 resolves to 192.0.0.8, a private address: it may not receive webhooks.",
        ),
        (
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
            "The host 2001:0:4136:e378:8000:63bf:80ff:fffe resolves to 2001:0:4136:e378:8000:63bf:80ff:fffe,"
            " a loopback address: it may not receive webhooks.",
        ),
        (
            "http://[64:ff9b::a00:1]/hook",
            "The host 64:ff9b::a00:1 resolves to 64:ff9b::a00:1, a private address: it may not receive webhooks.",
        ),
        ("ftp://example.org/hook", "Enter an http:// or https:// URL."),
        ("https://user:pw@example.org/hook", "Enter a URL without a user name or password."),
        ("https://no-such-host.invalid/hook", "The host no-such-host.invalid does not resolve."),
    ],
)
def test_urls_the_server_must_not_call_are_refused(assembly, url, message):
    event, _session = assembly

    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(event=event, url=url, topics=ALL_TOPICS)

    assert refused.value.message_dict == {"url": [message]}


def test_a_public_address_is_accepted(assembly):
    event, _session = assembly

    endpoint = webhook_endpoint_create(event=event, url="https://93.184.215.14/hooks", topics=["session.changed"])

    assert (endpoint.url, endpoint.topics, len(endpoint.secret)) == (
        "https://93.184.215.14/hooks",
        ["session.changed"],
        43,
    )


def test_an_update_checks_a_new_url_and_keeps_the_secret(assembly, endpoint, settings):
    secret = endpoint.secret
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    updated = webhook_endpoint_update(
        endpoint=endpoint, data={"description": "Transport", "topics": ["session.changed"] * 2}
    )
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_update(endpoint=endpoint, data={"url": "http://10.0.0.1/"})

    assert (updated.description, updated.topics, updated.secret) == ("Transport", ["session.changed"], secret)
    assert list(refused.value.message_dict) == ["url"]


def test_a_rotated_secret_signs_the_next_attempts(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event)
    old = endpoint.secret
    rotated = webhook_secret_rotate(endpoint=endpoint)

    webhook_deliver(delivery_id=_delivery("schedule.published", "v1").pk)

    [request] = receiver.requests
    signature = request.headers["x-gaplanner-signature"]
    assert rotated.secret != old
    assert webhook_signature_verify(secret=rotated.secret, header=signature, body=request.body)
    assert not webhook_signature_verify(secret=old, header=signature, body=request.body)


def test_redeliver_sends_the_same_delivery_again(
    assembly, endpoint, planned, receiver, django_capture_on_commit_callbacks
):
    event, _session = assembly
    planned(event)
    delivery = _delivery("schedule.published", "v1")
    webhook_deliver(delivery_id=delivery.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reset = webhook_delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    again = webhook_deliver(delivery_id=delivery.pk)

    first, second = receiver.requests
    assert (reset.status, reset.attempts, reset.delivered_at, len(callbacks)) == ("pending", 0, None, 1)
    assert (again.status, again.attempts) == ("delivered", 1)
    assert second.body == first.body
    assert second.headers["x-gaplanner-delivery"] == first.headers["x-gaplanner-delivery"] == str(delivery.pk)


def test_a_pending_delivery_cannot_be_redelivered(assembly, endpoint, planned):
    event, _session = assembly
    planned(event)

    with pytest.raises(DeliveryStillPending):
        webhook_delivery_redeliver(delivery=_delivery("schedule.published", "v1"))


def test_an_inactive_endpoints_deliveries_wait(assembly, endpoint, planned, receiver):
    event, _session = assembly
    planned(event)
    webhook_endpoint_update(endpoint=endpoint, data={"is_active": False})

    result = webhook_deliver(delivery_id=_delivery("schedule.published", "v1").pk)

    assert (result.status, result.attempts, receiver.requests) == ("pending", 0, [])


def test_the_sweep_enqueues_what_is_due_only(assembly, endpoint, planned, receiver, django_capture_on_commit_callbacks):
    event, _session = assembly
    planned(event)  # schedule.published and session.changed of v1, due at once
    receiver.answer(500)
    webhook_deliver(delivery_id=_delivery("schedule.published", "v1").pk, now=NOW)  # next attempt a minute later
    webhook_deliver(delivery_id=_delivery("session.changed", "v1:GA-OPEN").pk, now=NOW)  # delivered

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        now = webhook_deliveries_enqueue_due(now=NOW + dt.timedelta(seconds=59))
        later = webhook_deliveries_enqueue_due(now=NOW + dt.timedelta(seconds=67))

    assert (now, later, len(callbacks)) == (0, 1, 1)


def test_an_https_url_is_spoken_to_in_tls(assembly, local_hosts, planned, receiver):
    event, _session = assembly
    webhook_endpoint_create(event=event, url=receiver.url.replace("http://", "https://"), topics=ALL_TOPICS)
    planned(event)

    result = webhook_deliver(delivery_id=_delivery("schedule.published", "v1").pk, now=NOW)

    # The receiver speaks plain HTTP: the TLS handshake fails, and nothing is posted.
    assert (result.status, result.attempts, result.last_status_code) == ("pending", 1, None)
    assert result.last_error.startswith("connection failed: [SSL")
    assert [request.body for request in receiver.requests] == []


def test_a_delivery_whose_endpoint_was_deleted_is_gone(assembly, endpoint, planned):
    event, _session = assembly
    planned(event)
    delivery = _delivery("schedule.published", "v1")
    endpoint.delete()

    with pytest.raises(WebhookDelivery.DoesNotExist):
        webhook_deliver(delivery_id=delivery.pk)
