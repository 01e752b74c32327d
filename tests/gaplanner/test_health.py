"""``/health/``: up or down, overall and per check, for everyone; each check's details for staff
only. Failures are real
ones: a database file that cannot be opened, Redis and a broker on a closed port, no sweep."""

import datetime as dt

import pytest
import time_machine
from django.db import connections
from django.test import Client, override_settings

from apps.notifications.models import NOTIFICATIONS_SWEEP
from apps.notifications.selectors import sweep_last_finished
from apps.notifications.services.sweep import notifications_sweep, sweep_finished
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 8, 45, tzinfo=dt.UTC)
CLOSED_REDIS = "redis://127.0.0.1:1/0"
ALL_UP = {"database": "up", "cache": "up", "broker": "up", "beat": "up"}


def without_timings(body: dict) -> dict:
    """The body with each check's ``ms`` (which varies) taken out, and checked to be a count."""
    checks = body.get("checks", {})
    assert all(isinstance(check.pop("ms"), int) for check in checks.values())
    return body


@pytest.fixture
def swept():
    """The sweep finished a minute ago, as it does every minute while beat and a worker run."""
    sweep_finished(name=NOTIFICATIONS_SWEEP, at=NOW - dt.timedelta(minutes=1))


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="operator", is_staff=True))
    return client


@pytest.fixture
def database_unreachable(monkeypatch, tmp_path):
    """The check's new connection gets settings that cannot work; the test's own connection,
    already open, keeps working."""
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        monkeypatch.setitem(settings_dict, "NAME", str(tmp_path / "no-such-folder" / "db.sqlite3"))
    else:
        monkeypatch.setitem(settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(settings_dict, "PORT", "1")


@time_machine.travel(NOW, tick=False)
def test_a_healthy_planner_is_up_and_anonymous_callers_learn_nothing_more(client, swept):
    response = client.get("/health/")

    assert (response.status_code, response.json()) == (200, {"status": "up", "checks": ALL_UP})
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("Retry-After")


@time_machine.travel(NOW, tick=False)
def test_a_signed_in_user_who_is_not_staff_learns_nothing_more(client, swept):
    client.force_login(UserFactory(username="delegate"))

    response = client.get("/health/")

    assert (response.status_code, response.json()) == (200, {"status": "up", "checks": ALL_UP})


@time_machine.travel(NOW, tick=False)
def test_staff_read_every_checks_details(staff, swept):
    response = staff.get("/health/")

    assert (response.status_code, without_timings(response.json())) == (
        200,
        {
            "status": "up",
            "checks": {
                "database": {"ok": True},
                "cache": {"ok": True},
                "broker": {"ok": True},
                "beat": {
                    "ok": True,
                    "last_sweep": "2026-11-24T08:44:00+00:00",
                    "age_seconds": 60,
                    "max_age_seconds": 300,
                },
            },
        },
    )


@time_machine.travel(NOW, tick=False)
def test_an_unreachable_database_is_down_with_retry_after_for_everyone(staff, swept, database_unreachable):
    anonymous = Client().get("/health/")
    as_staff = staff.get("/health/")

    down = {"status": "down", "checks": {**ALL_UP, "database": "down", "beat": "down"}}
    assert (anonymous.status_code, anonymous.json(), anonymous["Retry-After"]) == (503, down, "30")
    # The session that says who is staff is in the database: nobody is, then.
    assert (as_staff.status_code, as_staff.json(), as_staff["Retry-After"]) == (503, down, "30")


@time_machine.travel(NOW, tick=False)
def test_an_unreachable_cache_leaves_the_pages_up_degraded_and_staff_see_why(staff, swept):
    # Pages and feeds are built from the database while the cache is away (apps.kernel.cache).
    with override_settings(CACHES={"default": {"BACKEND": "apps.kernel.cache.RedisCache", "LOCATION": CLOSED_REDIS}}):
        anonymous = Client().get("/health/")
        as_staff = staff.get("/health/")

    assert (anonymous.status_code, anonymous.json()) == (
        200,
        {"status": "degraded", "checks": {**ALL_UP, "cache": "down"}},
    )
    assert not anonymous.has_header("Retry-After")
    body = without_timings(as_staff.json())
    assert (as_staff.status_code, body["status"], body["checks"]["cache"]) == (
        200,
        "degraded",
        {"ok": False, "error": "ConnectionError"},
    )


@time_machine.travel(NOW, tick=False)
@override_settings(CELERY_BROKER_URL=CLOSED_REDIS, CELERY_BROKER_TRANSPORT=None, CELERY_BROKER_TRANSPORT_OPTIONS={})
def test_an_unreachable_broker_leaves_the_pages_up_degraded_and_staff_see_why(staff, swept):
    anonymous = Client().get("/health/")
    as_staff = staff.get("/health/")

    assert (anonymous.status_code, anonymous.json()) == (
        200,
        {"status": "degraded", "checks": {**ALL_UP, "broker": "down"}},
    )
    body = without_timings(as_staff.json())
    assert (as_staff.status_code, body["status"], body["checks"]["broker"]) == (
        200,
        "degraded",
        {"ok": False, "error": "OperationalError"},
    )


def test_beat_is_stale_when_no_sweep_finished_within_five_intervals(staff, time_machine):
    time_machine.move_to(NOW, tick=False)
    sweep_finished(name=NOTIFICATIONS_SWEEP, at=NOW - dt.timedelta(minutes=5, seconds=1))

    anonymous = Client().get("/health/")
    as_staff = staff.get("/health/")

    assert (anonymous.status_code, anonymous.json()) == (
        200,
        {"status": "degraded", "checks": {**ALL_UP, "beat": "down"}},
    )
    body = without_timings(as_staff.json())
    assert (as_staff.status_code, body["status"], body["checks"]["beat"]) == (
        200,
        "degraded",
        {"ok": False, "last_sweep": "2026-11-24T08:39:59+00:00", "age_seconds": 301, "max_age_seconds": 300},
    )


@time_machine.travel(NOW, tick=False)
def test_beat_is_stale_when_no_sweep_ever_finished(staff):
    body = without_timings(staff.get("/health/").json())

    assert (body["status"], body["checks"]["beat"]) == (
        "degraded",
        {"ok": False, "last_sweep": None, "age_seconds": None, "max_age_seconds": 300},
    )


def test_each_sweep_records_when_it_finished(django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(NOW, tick=False)

    with django_capture_on_commit_callbacks(execute=False):
        notifications_sweep()

    assert sweep_last_finished() == NOW


def test_only_get_and_head_are_answered(client):
    answers = [client.post("/health/"), client.put("/health/"), client.head("/health/")]

    assert [answer.status_code for answer in answers] == [405, 405, 200]
