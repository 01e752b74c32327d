"""Cached feed bodies and token states, so that a feed poll costs no database query.

Bodies are kept under a generation per event, replaced (not counted up) whenever what
feeds show may have changed: a publication, a participant's registration. A lost
generation key simply makes a new one, so a stale body is never served again.

While Redis cannot be reached, reads miss and writes are skipped (``apps.kernel.cache``):
feeds are built from the database. A renewal or a forgotten token state that Redis did not
take is kept by this process and made again at its next use of these caches, before any
read: a Redis that comes back with its data (a network outage, a restart with persistence)
then serves no body left stale by it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from apps.kernel.cache import CACHE_UNREACHABLE, cache_strict

logger = logging.getLogger(__name__)

BODY_TIMEOUT = 24 * 3600

# Invalidations Redis did not take, by what they invalidate, in the order they were made.
_pending: dict[str, Callable[[], Any]] = {}


def _invalidate(what: str, write: Callable[[], Any]) -> None:
    """``write`` now, or, while Redis cannot be reached, at this process's next cache use."""
    _pending.pop(what, None)
    _pending[what] = write
    if not _pending_flush():
        logger.warning("Feed cache invalidation %s kept until Redis answers", what)


def _pending_flush() -> bool:
    """Make the pending invalidations, oldest first; whether none is left."""
    for what, write in list(_pending.items()):
        try:
            with cache_strict():
                write()
        except CACHE_UNREACHABLE:
            return False
        _pending.pop(what, None)
    return True


def generation(event_slug: str) -> str:
    if _pending:
        _pending_flush()
    key = f"feeds:gen:{event_slug}"
    value = cache.get(key)
    if value is None:
        value = uuid.uuid4().hex
        cache.add(key, value, None)
        value = cache.get(key, value)
    return value


def generation_renew(event_slug: str) -> None:
    key = f"feeds:gen:{event_slug}"
    _invalidate(key, lambda: cache.set(key, uuid.uuid4().hex, None))


def body_get(event_slug: str, identity: str) -> Any:
    return cache.get(f"feeds:body:{generation(event_slug)}:{identity}")


def body_set(event_slug: str, identity: str, value: Any) -> None:
    cache.set(f"feeds:body:{generation(event_slug)}:{identity}", value, BODY_TIMEOUT)


def token_state_get(feed_id: int) -> Any:
    if _pending:
        _pending_flush()
    return cache.get(f"feeds:token:{feed_id}")


def token_state_set(feed_id: int, state: dict[str, Any]) -> None:
    cache.set(f"feeds:token:{feed_id}", state, BODY_TIMEOUT)


def token_state_forget(feed_id: int) -> None:
    key = f"feeds:token:{feed_id}"
    _invalidate(key, lambda: cache.delete(key))


def token_states_forget(feed_ids: list[int]) -> None:
    if feed_ids:
        keys = [f"feeds:token:{feed_id}" for feed_id in feed_ids]
        _invalidate(f"feeds:tokens:{keys[0]}+{len(keys)}", lambda: cache.delete_many(keys))
