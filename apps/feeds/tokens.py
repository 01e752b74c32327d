"""Feed tokens: derived, never stored; compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

# 24 bytes of HMAC-SHA256: 192 bits, written as 32 URL-safe characters.
TOKEN_BYTES = 24


def _key() -> bytes:
    return _derived(settings.FEED_TOKEN_SECRET or settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return hashlib.sha256(b"gaplanner.feeds:" + secret.encode()).digest()


def feed_token(*, feed_id: int, version: int) -> str:
    digest = hmac.new(_key(), f"feed:{feed_id}:{version}".encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_version(*, feed_id: int, current: int, token: str) -> int | None:
    """The version (1..current) whose token ``token`` is, or ``None``; every candidate is
    compared in constant time."""
    found = None
    for version in range(current, 0, -1):
        if hmac.compare_digest(feed_token(feed_id=feed_id, version=version), token):
            found = version
    return found
