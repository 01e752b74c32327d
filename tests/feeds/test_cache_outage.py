"""A feed renewal made while Redis cannot be reached is not lost: the process makes it again at
its next use of the feed caches, before reading any body. Redis is a closed local port."""

import pytest
from django.test import override_settings

from apps.feeds import cache as feed_cache

CLOSED_REDIS = {"default": {"BACKEND": "apps.kernel.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def clean_state(monkeypatch):
    monkeypatch.setattr(feed_cache, "_pending", {})


def test_a_renewal_redis_did_not_take_is_made_at_the_next_use(clean_state, caplog):
    before = feed_cache.generation("ga-2025")
    feed_cache.body_set("ga-2025", "public", "old body")

    with override_settings(CACHES=CLOSED_REDIS):
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


def test_a_forgotten_token_state_redis_did_not_take_is_forgotten_at_the_next_use(clean_state):
    feed_cache.token_state_set(7, {"version": 1, "live": True, "slug": "ga-2025"})

    with override_settings(CACHES=CLOSED_REDIS):
        feed_cache.token_states_forget([7, 8])

    assert feed_cache.token_state_get(7) is None
