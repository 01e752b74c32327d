"""While Redis cannot be reached, the cache misses and skips instead of raising, logs it once,
and raises only where asked to (an invalidation that must not be lost). The Redis is a closed
local port: a real refused connection."""

import logging

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from apps.kernel import cache as kernel_cache

CLOSED_REDIS = {"default": {"BACKEND": "apps.kernel.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def unreachable():
    """The default cache is a Redis that refuses connections."""
    with override_settings(CACHES=CLOSED_REDIS):
        yield caches["default"]


def test_reads_miss_and_writes_are_skipped(unreachable):
    cache = unreachable

    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("k") is False
    assert cache.delete_many(["a"]) is None
    assert cache.touch("k") is False
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError, match="Key 'k' not found"):
        cache.incr("k")


def test_an_invalidation_made_strict_raises(unreachable):
    with kernel_cache.cache_strict(), pytest.raises(redis.ConnectionError):
        unreachable.delete("k")


def test_the_outage_is_logged_once_naming_no_address(unreachable, caplog):
    caplog.set_level(logging.INFO, logger="apps.kernel.cache")

    for _ in range(3):
        unreachable.get("k")

    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "apps.kernel.cache"] == [
        ("WARNING", "Redis cache unreachable (ConnectionError): reads miss, writes are skipped")
    ]


def test_timeouts_are_bounded_unless_options_say_otherwise():
    bounded = kernel_cache.RedisCache("redis://127.0.0.1:1/0", {})
    chosen = kernel_cache.RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_timeout": 5}})

    assert bounded._options == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    assert chosen._options == {"socket_connect_timeout": 1.0, "socket_timeout": 5}
