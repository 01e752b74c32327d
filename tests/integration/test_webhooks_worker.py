"""A publication's webhook deliveries are POSTed by a real worker, signed, to a real receiver."""

import json

import pytest
from django.db import transaction

from apps.notifications.models import WebhookDelivery
from apps.notifications.webhooks.services import webhook_deliveries_plan, webhook_endpoint_create
from apps.notifications.webhooks.signing import webhook_signature_verify
from apps.programme.services import schedule_publish
from gaplanner.celery import app, task_ping
from tests.factories import EventFactory, SessionFactory
from tests.notifications.webhook_receiver import Receiver


def test_webhook_deliveries_are_routed_to_the_notifications_queue():
    assert app.amqp.router.route({}, "gaplanner.notifications.webhook_deliver")["queue"].name == "notifications"


@pytest.mark.django_db(transaction=True)
def test_a_worker_posts_signed_deliveries_after_a_publication(worker, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True  # the receiver is on 127.0.0.1
    event = EventFactory(slug="ga-2025")
    SessionFactory(event=event, code="GA-OPEN")
    with Receiver() as receiver:
        endpoint = webhook_endpoint_create(
            event=event, url=receiver.url, topics=["schedule.published", "session.changed"]
        )
        version = schedule_publish(event=event, note="First programme", confirm_warnings=True)
        # The publication's planning task makes the same deliveries; whichever runs second
        # makes none, and the delivery tasks of both POST each delivery once.
        with transaction.atomic():
            webhook_deliveries_plan(version=version)

        requests = receiver.wait_for(2, timeout=60)
        # The worker takes one task at a time: once this answers, the tasks that POSTed
        # have recorded their outcome.
        task_ping.apply_async(queue="notifications").get(timeout=60)

    secret = endpoint.secret
    bodies = {request.headers["x-gaplanner-topic"]: json.loads(request.body) for request in requests}
    deliveries = {d.topic: d for d in WebhookDelivery.objects.filter(endpoint=endpoint)}
    assert len(requests) == 2
    assert all(
        webhook_signature_verify(secret=secret, header=request.headers["x-gaplanner-signature"], body=request.body)
        for request in requests
    )
    assert {topic: (d.status, d.attempts, d.last_status_code) for topic, d in deliveries.items()} == {
        "schedule.published": ("delivered", 1, 204),
        "session.changed": ("delivered", 1, 204),
    }
    assert {topic: (body["id"], body["data"]["version"]) for topic, body in bodies.items()} == {
        "schedule.published": (deliveries["schedule.published"].pk, 1),
        "session.changed": (deliveries["session.changed"].pk, 1),
    }
    assert (bodies["schedule.published"]["data"]["note"], bodies["session.changed"]["data"]["kind"]) == (
        "First programme",
        "new",
    )
