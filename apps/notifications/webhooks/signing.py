"""The signature of a delivery, made like Stripe's: ``X-Gaplanner-Signature: t=<unix
seconds>,v1=<hex>``, where ``hex`` is HMAC-SHA256 with the endpoint's secret of
``f"{t}.".encode() + body``."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Gaplanner-Signature"
# A receiver refuses a signature older (or further in the future) than this.
SIGNATURE_TOLERANCE_SECONDS = 300


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
