"""Django's Redis cache, kept out of the way while Redis cannot be reached.

A cache is a shortcut, not a store: while Redis is down or restarting, a read is a miss (the
caller builds the answer from the database, as it does for a key never cached) and a write is
skipped, so that a feed, a page or the API's throttle never answers 500 for want of it.
Django's own ``RedisCache`` raises redis-py's ``ConnectionError`` from every call instead.

The outage is logged once per process (per thread) when it begins and once when Redis answers
again, naming no host or password (the error's class only). A write whose loss would leave a
stale answer cached (an invalidation) is made inside :func:`cache_strict`, which raises
instead, so that its caller can make it again later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

logger = logging.getLogger(__name__)

# What "Redis cannot be reached" raises (BusyLoadingError, while a restarted Redis loads its
# data, is a ConnectionError). Anything else (a bad value, a wrong key) still raises.
CACHE_UNREACHABLE: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
# Seconds a call waits to connect, then for an answer; redis-py waits forever by default.
SOCKET_TIMEOUT = 1.0
# While Redis is down, calls in the next this many seconds do not try it (a host that does not
# answer would cost every call the timeout); the first one after that does.
RETRY_INTERVAL = 1.0

_strict: ContextVar[bool] = ContextVar("gaplanner_cache_strict", default=False)

T = TypeVar("T")


@contextmanager
def cache_strict() -> Iterator[None]:
    """Inside it, a cache call that cannot reach Redis raises one of ``CACHE_UNREACHABLE``."""
    reset = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(reset)


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that misses (reads) and skips (writes)
    while Redis cannot be reached, with bounded socket timeouts (``OPTIONS`` may set others)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT}
        super().__init__(server, {**params, "OPTIONS": {**options, **(params.get("OPTIONS") or {})}})
        # Django keeps one instance per thread: in a gunicorn worker, one per process.
        self._down = False
        self._retry_at = 0.0

    def _tolerant(self, call: Callable[[], T], fallback: T) -> T:
        if self._down and time.monotonic() < self._retry_at:
            if _strict.get():
                raise redis.ConnectionError("Redis was unreachable a moment ago")
            return fallback
        try:
            result = call()
        except CACHE_UNREACHABLE as exc:
            self._retry_at = time.monotonic() + RETRY_INTERVAL
            if not self._down:
                self._down = True
                logger.warning("Redis cache unreachable (%s): reads miss, writes are skipped", type(exc).__name__)
            if _strict.get():
                raise
            return fallback
        if self._down:
            self._down = False
            logger.info("Redis cache answering again")
        return result

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._tolerant(lambda: super(RedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._tolerant(lambda: super(RedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._tolerant(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._tolerant(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._tolerant(lambda: super(RedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._tolerant(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._tolerant(lambda: super(RedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        value: int | None = self._tolerant(lambda: super(RedisCache, self).incr(key, delta, version), None)
        if value is None:
            raise ValueError(f"Key '{key}' not found")  # what a key not cached raises
        return value

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        # The keys not stored: all of them, while Redis is down.
        return self._tolerant(lambda: super(RedisCache, self).set_many(data, timeout, version), list(data))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._tolerant(lambda: super(RedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._tolerant(lambda: super(RedisCache, self).clear(), None)
