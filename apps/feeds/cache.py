"""Cached feed bodies and token states, so that a feed poll costs no database query.

Bodies are kept under a generation per event, replaced (not counted up) whenever what
feeds show may have changed: a publication, a participant's registration. A lost
generation key simply makes a new one, so a stale body is never served again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache

BODY_TIMEOUT = 24 * 3600


def generation(event_slug: str) -> str:
    key = f"feeds:gen:{event_slug}"
    value = cache.get(key)
    if value is None:
        value = uuid.uuid4().hex
        cache.add(key, value, None)
        value = cache.get(key, value)
    return value


def generation_renew(event_slug: str) -> None:
    cache.set(f"feeds:gen:{event_slug}", uuid.uuid4().hex, None)


def body_get(event_slug: str, identity: str) -> Any:
    return cache.get(f"feeds:body:{generation(event_slug)}:{identity}")


def body_set(event_slug: str, identity: str, value: Any) -> None:
    cache.set(f"feeds:body:{generation(event_slug)}:{identity}", value, BODY_TIMEOUT)


def token_state_get(feed_id: int) -> Any:
    return cache.get(f"feeds:token:{feed_id}")


def token_state_set(feed_id: int, state: dict[str, Any]) -> None:
    cache.set(f"feeds:token:{feed_id}", state, BODY_TIMEOUT)


def token_state_forget(feed_id: int) -> None:
    cache.delete(f"feeds:token:{feed_id}")


def token_states_forget(feed_ids: list[int]) -> None:
    if feed_ids:
        cache.delete_many([f"feeds:token:{feed_id}" for feed_id in feed_ids])
