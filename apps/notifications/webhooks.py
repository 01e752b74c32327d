"""Webhooks: REST clients' endpoints, the deliveries a publication plans for them, and each
signed POST with its retries.

A delivery is a row (``WebhookDelivery``) made in the publication's planning transaction and
enqueued after commit. An attempt claims the row for a short lease in one transaction, POSTs
outside any transaction (a slow receiver must hold no database lock), and records the outcome
in a second one. A failed attempt sets ``next_attempt_at`` by capped exponential backoff; the
every-minute sweep enqueues what is due again (:func:`webhook_deliveries_enqueue_due`), so no
task waits with a long countdown. Delivery is at least once: receivers deduplicate on the
``X-Gaplanner-Delivery`` id.

The body is signed like Stripe's: ``X-Gaplanner-Signature: t=<unix seconds>,v1=<hex>``, where
``hex`` is HMAC-SHA256 with the endpoint's secret of ``f"{t}.".encode() + body``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.delegations.selectors import Principal
from apps.events.models import Event
from apps.kernel.errors import Conflict
from apps.kernel.persistence import validated_save
from apps.programme.models import ScheduleVersion
from apps.programme.selectors import change_entries_visible_to

from .enums import DeliveryStatus, WebhookTopic
from .models import WebhookDelivery, WebhookEndpoint, new_webhook_secret
from .tasks import task_webhook_deliver

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Gaplanner-Signature"
TOPIC_HEADER = "X-Gaplanner-Topic"
DELIVERY_HEADER = "X-Gaplanner-Delivery"
USER_AGENT = "gaplanner-webhooks"
# A receiver refuses a signature older (or further in the future) than this.
SIGNATURE_TOLERANCE_SECONDS = 300
# Backoff after the n-th failed attempt: 60 s × 2^(n-1), at most an hour, plus up to 10 %.
BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
# Change kinds of a version reported as ``session.changed``; ``cancelled`` has its own topic.
CHANGED_KINDS = ("new", "moved", "changed", "removed")
CHANGE_KINDS = ("new", "moved", "changed", "cancelled", "removed")
_STATE_TIMES = ("start", "end")


class DeliveryStillPending(Conflict):
    detail = "This delivery is still pending: it is tried again at its next_attempt_at."


class UnsafeAddress(OSError):
    """The receiver's host resolves to an address the server must not call."""


# --- Signatures -----------------------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Gaplanner-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` (an ``X-Gaplanner-Signature`` value) signs the raw ``body`` with
    ``secret``, at a time within ``tolerance`` seconds of ``now`` (default: the clock).

    What a receiver runs before it trusts a POST; a stale timestamp makes a replayed request
    fail even though its signature is genuine.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


# --- Which addresses may receive ---------------------------------------------------------


# Special-purpose blocks (IANA registry) that the ipaddress module of some Python 3.11
# patch releases still calls global: refused whatever the interpreter says.
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("2002::/16"))
# NAT64 prefixes (RFC 6052, RFC 8215): the IPv4 address sits in the last 32 bits.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _addresses_reached(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses that an IPv6 address carries inside it (IPv4-mapped, 6to4, Teredo
    server and client, NAT64), which a relay delivers to, then ``ip`` itself."""
    reached: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            reached.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            reached.append(ip.sixtofour)
        if ip.teredo is not None:
            reached.extend(ip.teredo)
        if any(ip in prefix for prefix in NAT64):
            reached.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [*reached, ip]


def _address_problem(address: str) -> str | None:
    """Why the server must not call ``address`` (an IP literal), or ``None`` if it may: every
    address it reaches, unwrapped, must be one that ``ipaddress`` calls global."""
    for ip in _addresses_reached(ipaddress.ip_address(address.split("%", 1)[0])):
        checks = (
            (ip.is_loopback, "a loopback address"),
            (ip.is_link_local, "a link-local address"),
            (ip.is_multicast, "a multicast address"),
            (ip.is_unspecified, "an unspecified address"),
            (ip.is_reserved, "a reserved address"),
            (ip.is_private or not ip.is_global or any(ip in block for block in NOT_GLOBAL), "a private address"),
        )
        problem = next((what for refused, what in checks if refused), None)
        if problem:
            return problem
    return None


def _resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _private_hosts_allowed() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_HOSTS)


def webhook_url_check(url: str) -> None:
    """Refuse a webhook URL that is not http(s), or whose host resolves to a loopback,
    private, link-local, reserved or multicast address (unless
    ``WEBHOOK_ALLOW_PRIVATE_HOSTS``): organizers must not make the server call its own
    network. Raises ``ValidationError`` naming ``url``. Delivery checks again, on the
    addresses it connects to."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": ["Enter an http:// or https:// URL."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Enter a URL without a user name or password."]})
    if _private_hosts_allowed():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = _resolve(parts.hostname, port)
    except (OSError, ValueError) as exc:
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]}) from exc
    for info in infos:
        address = info[4][0]
        problem = _address_problem(address)
        if problem:
            message = f"The host {parts.hostname} resolves to {address}, {problem}: it may not receive webhooks."
            raise ValidationError({"url": [message]})


# --- Endpoints ------------------------------------------------------------------------------


def webhook_endpoints_of_event(*, event: Event) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(event=event).order_by("id")


def webhook_deliveries_of_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


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


def _local(value: dt.datetime, event: Event) -> str:
    return value.astimezone(event.zone).isoformat()


def _state(state: Mapping[str, Any] | None, event: Event) -> dict[str, Any] | None:
    """A session state as versions record it (``session_state``), in the event's offset."""
    if state is None:
        return None
    local = dict(state)
    for name in _STATE_TIMES:
        if local.get(name):
            local[name] = _local(dt.datetime.fromisoformat(local[name]), event)
    return local


def _payloads(version: ScheduleVersion, created: dt.datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """(topic, key, payload) of every delivery the version sets off, for any endpoint."""
    event = version.event
    envelope = {"event": event.slug, "created": _local(created, event)}
    # Endpoints are registered by the event's organizers and receive the history as they see
    # it (docs/decisions/014 and 017), through the one rule every history output uses.
    entries = change_entries_visible_to(Principal(event=event, is_organizer=True), [version])
    changes = {kind: [entry for entry in entries if entry["kind"] == kind] for kind in CHANGE_KINDS}
    changes_path = reverse("api:changes", kwargs={"event_slug": event.slug})
    published = {
        "version": version.number,
        "note": version.note,
        "published_at": _local(version.published_at, event),
        "changes": {
            kind: {"count": len(items), "codes": [item["code"] for item in items]} for kind, items in changes.items()
        },
        "changes_url": f"{settings.SITE_URL}{changes_path}?since={version.number - 1}",
    }
    items = [
        (
            WebhookTopic.SCHEDULE_PUBLISHED.value,
            f"v{version.number}",
            {"topic": WebhookTopic.SCHEDULE_PUBLISHED.value, **envelope, "data": published},
        )
    ]
    for kind, entries in changes.items():
        topic = WebhookTopic.SESSION_CANCELLED if kind == "cancelled" else WebhookTopic.SESSION_CHANGED
        for entry in entries:
            code = entry["code"]
            session_path = reverse("api:session-detail", kwargs={"event_slug": event.slug, "code": code})
            data = {
                "version": version.number,
                "code": code,
                "kind": kind,
                "fields": entry.get("fields", []),
                "before": _state(entry.get("before"), event),
                "after": _state(entry.get("after"), event),
                "session_url": f"{settings.SITE_URL}{session_path}",
            }
            items.append((topic.value, f"v{version.number}:{code}", {"topic": topic.value, **envelope, "data": data}))
    return items


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
    items = _payloads(version, now)
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


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The bytes POSTed: the payload with the delivery's id, compact, keys sorted, UTF-8."""
    body = {"id": delivery.pk, **delivery.payload}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """``socket.create_connection`` that resolves once, refuses non-public addresses unless
    allowed, and connects to the very addresses it checked (no second lookup to rebind)."""
    host, port = address
    infos = _resolve(host, port)
    if not _private_hosts_allowed():
        for info in infos:
            problem = _address_problem(info[4][0])
            if problem:
                raise UnsafeAddress(f"the host {host} resolves to {info[4][0]}, {problem}")
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=ssl.create_default_context())


def _opener() -> urllib.request.OpenerDirector:
    """http and https only; no proxies, no redirects (a 3xx answer is a failed attempt),
    and non-2xx answers returned rather than raised."""
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_HTTPHandler())
    opener.add_handler(_HTTPSHandler())
    return opener


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once: (HTTP status or ``None``, error text, empty on a 2xx answer)."""
    if urlsplit(url).scheme not in {"http", "https"}:
        return None, "refused: not an http:// or https:// URL"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with _opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
            reason = response.reason
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, UnsafeAddress):
            return None, f"refused: {reason}"
        return None, f"connection failed: {reason}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:
        return status, f"HTTP {status} {reason}: redirects are not followed"
    return status, f"HTTP {status} {reason}"


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
    status, error = _post(endpoint.url, body=body, headers=headers)
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
