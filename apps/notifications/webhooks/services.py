"""Every write to webhooks: endpoints saved and their secrets rotated; the deliveries a
publication sets off planned, enqueued, redelivered; and each attempt claimed, POSTed and
recorded (docs/decisions/014-webhooks.md)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.events.models import Event
from apps.kernel.errors import Conflict
from apps.kernel.persistence import validated_save
from apps.programme.models import ScheduleVersion

from ..enums import DeliveryStatus
from ..models import WebhookDelivery, WebhookEndpoint, new_webhook_secret
from ..tasks import task_webhook_deliver
from .addresses import webhook_url_check
from .payloads import publication_payloads, webhook_body
from .signing import SIGNATURE_HEADER, webhook_signature
from .transport import webhook_post

logger = logging.getLogger(__name__)

TOPIC_HEADER = "X-Gaplanner-Topic"
DELIVERY_HEADER = "X-Gaplanner-Delivery"
USER_AGENT = "gaplanner-webhooks"
# Backoff after the n-th failed attempt: 60 s × 2^(n-1), at most an hour, plus up to 10 %.
BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600


class DeliveryStillPending(Conflict):
    detail = "This delivery is still pending: it is tried again at its next_attempt_at."


# --- Endpoints ------------------------------------------------------------------------------


def webhook_endpoint_save(*, endpoint: WebhookEndpoint, data: Mapping[str, Any]) -> WebhookEndpoint:
    """Apply ``data`` (``url``, ``topics``, ``description``, ``is_active``) to the endpoint and
    save it; a new endpoint gets a new secret. A URL that is new, or other than the stored
    one, is checked (:func:`webhook_url_check`). Raises ``ValidationError`` naming the field.
    Pending deliveries of an inactive endpoint wait until it is active again."""
    changes = {name: data[name] for name in ("url", "topics", "description", "is_active") if name in data}
    if "topics" in changes:
        changes["topics"] = list(dict.fromkeys(changes["topics"]))
    url = changes.get("url", endpoint.url)
    stored = None
    if endpoint.pk:
        stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("url", flat=True).first()
    if url != stored:
        webhook_url_check(url)
    return validated_save(endpoint, data=changes)


def webhook_endpoint_create(
    *, event: Event, url: str, topics: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """A new endpoint of ``event``, with a new secret (see :func:`webhook_endpoint_save`)."""
    data = {"url": url, "topics": topics, "description": description, "is_active": is_active}
    return webhook_endpoint_save(endpoint=WebhookEndpoint(event=event), data=data)


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, data: Mapping[str, Any]) -> WebhookEndpoint:
    """Change an endpoint; its secret stays (see :func:`webhook_secret_rotate`)."""
    return webhook_endpoint_save(endpoint=endpoint, data=data)


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret: deliveries from now on, retries of older ones included, are signed
    with it. The old one stops working at once."""
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    logger.info("webhook %s: secret rotated", endpoint.pk)
    return endpoint


# --- Planning and enqueueing ---------------------------------------------------------------


def _keys_of_version(number: int) -> Q:
    return Q(key=f"v{number}") | Q(key__startswith=f"v{number}:")


def webhook_deliveries_plan(*, version: ScheduleVersion) -> int:
    """Make the deliveries a publication sets off, for every active endpoint of its event
    that subscribes to their topic: one ``schedule.published`` (key ``v<n>``), one
    ``session.changed`` per new, moved, changed or removed session and one
    ``session.cancelled`` per cancelled one (key ``v<n>:<code>``).

    Runs in the caller's transaction; a delivery made before (same endpoint, topic, key) is
    left alone, so planning again makes nothing twice. Enqueues one delivery task per new
    delivery after commit. Returns the number of deliveries made.
    """
    endpoints = list(WebhookEndpoint.objects.filter(event_id=version.event_id, is_active=True))
    if not endpoints:
        return 0
    now = timezone.now()
    items = publication_payloads(version, now)
    planned = WebhookDelivery.objects.filter(endpoint__in=endpoints).filter(_keys_of_version(version.number))
    with transaction.atomic():
        existing = set(planned.values_list("endpoint_id", "topic", "key"))
        rows = [
            WebhookDelivery(endpoint=endpoint, topic=topic, key=key, payload=payload, next_attempt_at=now)
            for endpoint in endpoints
            for topic, key, payload in items
            if topic in endpoint.topics and (endpoint.pk, topic, key) not in existing
        ]
        if not rows:
            return 0
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        made = {(row.endpoint_id, row.topic, row.key) for row in rows}
        identities = planned.values_list("pk", "endpoint_id", "topic", "key")
        ids = [pk for pk, *identity in identities if tuple(identity) in made]
        transaction.on_commit(lambda: _enqueue(ids))
    logger.info("webhooks: %s deliveries planned for %s", len(ids), version)
    return len(ids)


def webhook_deliveries_enqueue_due(*, now: dt.datetime) -> int:
    """Enqueue, after commit, a delivery task for each pending delivery of an active
    endpoint that is due at ``now`` (retries, and deliveries whose first task was lost).
    Returns how many.

    A delivery enqueued twice is tried once: the first task claims it. The sweep that calls
    this expires when the queue is backed up, so tasks do not pile up behind a slow receiver.
    """
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, endpoint__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
    )
    ids = list(due.values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    for number, pk in enumerate(ids):
        try:
            task_webhook_deliver.delay(pk)
        except OperationalError:
            # The rows stay pending and due: the next sweep enqueues them again.
            logger.warning("broker unreachable; %s webhook deliveries wait for the sweep", len(ids) - number)
            return


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Try a delivered or failed delivery again, from a fresh count of attempts, now; the
    same id and body are sent (receivers that deduplicate will ignore it once handled).
    Raises :class:`DeliveryStillPending` for a pending one. Enqueues its task after commit."""
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status == DeliveryStatus.PENDING:
        raise DeliveryStillPending()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    logger.info("webhook delivery %s: redelivery requested", delivery.pk)
    return delivery


# --- Delivering -----------------------------------------------------------------------------


def _backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt, with up to 10 % jitter."""
    seconds = min(BACKOFF_FIRST_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    jitter_ms = secrets.randbelow(seconds * 100 + 1)
    return dt.timedelta(seconds=seconds, milliseconds=jitter_ms)


def _lease() -> dt.timedelta:
    """How long a claimed attempt keeps its row from other workers."""
    return dt.timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 60)


def webhook_deliver(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery:
    """Make one attempt at a delivery, if it is pending, its endpoint active, and it is due
    at ``now``; otherwise return it unchanged (a second task for it does nothing).

    The row is claimed for a lease in one transaction (``select_for_update(skip_locked)``),
    the POST is made outside any transaction, and the outcome recorded in another: a 2xx
    answer makes it ``delivered``; anything else counts a failed attempt and sets the next
    one by backoff, or makes it ``failed`` after ``WEBHOOK_MAX_ATTEMPTS`` attempts. Network
    errors are recorded, never raised. Raises ``WebhookDelivery.DoesNotExist`` if the row is
    gone (its endpoint was deleted).
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint__event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:  # another worker holds it, or it is gone
            return WebhookDelivery.objects.get(pk=delivery_id)
        due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
        if delivery.status != DeliveryStatus.PENDING or not due or not delivery.endpoint.is_active:
            return delivery
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + _lease()
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    attempt = delivery.attempts
    endpoint = delivery.endpoint
    body = webhook_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TOPIC_HEADER: delivery.topic,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=int(now.timestamp()), body=body),
    }
    status, error = webhook_post(endpoint.url, body=body, headers=headers)
    host = urlsplit(endpoint.url).hostname
    with transaction.atomic():
        # Recorded only if no other worker claimed the row since (this attempt outlived its lease).
        claimed = WebhookDelivery.objects.select_for_update().filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=attempt
        )
        if not claimed.exists():
            return WebhookDelivery.objects.get(pk=delivery.pk)
        delivery.last_status_code = status
        delivery.last_error = error[:300]
        if not error:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + _backoff(attempt)
        delivery.save(update_fields=["status", "last_status_code", "last_error", "delivered_at", "next_attempt_at"])
    log = logger.info if not error else logger.warning
    log(
        "webhook delivery %s (%s, endpoint %s at %s) attempt %s: %s",
        delivery.pk,
        delivery.topic,
        endpoint.pk,
        host,
        attempt,
        delivery.status if not error else f"{delivery.status}, {error}",
    )
    return delivery
