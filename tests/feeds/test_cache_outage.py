"""A feed renewal made while Redis cannot be reached is not lost: the process makes it again at
its next use of the feed caches, before reading any body. Redis is a closed local port."""

import logging
from contextlib import contextmanager

import pytest

from apps.feeds import cache as feed_cache
from apps.kernel.cache import RedisCache


@pytest.fixture
def clean_state(monkeypatch):
    monkeypatch.setattr(feed_cache, "_pending", {})


@contextmanager
def redis_down(monkeypatch):
    """The feed caches talk to a Redis that does not answer (a closed local port) inside it,
    and to the configured cache again after it."""
    with monkeypatch.context() as patch:
        patch.setattr(feed_cache, "cache", RedisCache("redis://127.0.0.1:1/0", {}))
        yield


def test_a_renewal_redis_did_not_take_is_made_at_the_next_use(clean_state, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="apps.feeds.cache")
    before = feed_cache.generation("ga-2025")
    feed_cache.body_set("ga-2025", "public", "old body")

    with redis_down(monkeypatch):
        feed_cache.generation_renew("ga-2025")
        feed_cache.token_state_forget(7)
        during = feed_cache.body_get("ga-2025", "public")

    assert during is None  # built from the database meanwhile
    assert feed_cache.body_get("ga-2025", "public") is None
    assert feed_cache.generation("ga-2025") != before
    assert feed_cache._pending == {}
    assert [r.getMessage() for r in caplog.records if r.name == "apps.feeds.cache"] == [
        "Feed cache invalidation feeds:gen:ga-2025 kept until Redis answers",
        "Feed cache invalidation feeds:token:7 kept until Redis answers",
    ]


def test_a_forgotten_token_state_redis_did_not_take_is_forgotten_at_the_next_use(clean_state, monkeypatch):
    feed_cache.token_state_set(7, {"version": 1, "live": True, "slug": "ga-2025"})

    with redis_down(monkeypatch):
        feed_cache.token_states_forget([7, 8])

    assert feed_cache.token_state_get(7) is None
