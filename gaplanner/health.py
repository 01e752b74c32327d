"""``/health/``: whether what the planner runs on is well, for load balancers, the compose
file's healthcheck and monitors (docs/operations.md).

Four checks, each bounded by ``CHECK_TIMEOUT``: the database (a new connection runs a query),
the cache (Redis when ``REDIS_URL`` is set: a ping, then a write and a read), the Celery broker
(a connection; the embedded broker's folders writable) and beat (the every-minute sweep
finished lately: ``notifications.SweepRun``).

A failing database makes the answer ``503 {"status": "down", …}`` with ``Retry-After``: this
instance cannot answer pages, and a load balancer should stop sending it requests. A failing
cache makes pages and feeds slower, not wrong (they are built from the database:
``apps.kernel.cache``), and a failing broker or beat only delays background work (reminders,
feed rendering, webhooks): each leaves the answer ``200 {"status": "degraded", …}``, so that an
outage of Redis, which every instance shares, does not take every instance out of the load
balancer. Everyone reads each check as ``"up"`` or ``"down"``; staff also read its details
(how long it took, the class of its error, the last sweep). Nobody else learns more.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from apps.notifications.selectors import sweep_last_finished

from .celery import app as celery_app

# Seconds a check may take before it counts as failed.
CHECK_TIMEOUT = 2
# Seconds a client waits before asking again after a 503.
RETRY_AFTER = 30
# The sweep runs every interval; beat (or every worker of its queue) is taken for stopped
# after this many intervals without one finishing.
BEAT_GRACE_INTERVALS = 5
BEAT_ENTRY = "notifications-sweep"
# What pages and the API cannot answer without.
ESSENTIAL = ("database",)


def database_check() -> dict[str, Any]:
    """A query on a new connection, opened with a short timeout (not the driver's default,
    which can wait minutes for an unreachable host), then closed."""
    default = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(default.settings_dict)
    options = settings_dict.setdefault("OPTIONS", {})
    if default.vendor == "postgresql":
        options["connect_timeout"] = CHECK_TIMEOUT
    elif default.vendor == "sqlite":
        options["timeout"] = CHECK_TIMEOUT
    probe = type(default)(settings_dict, alias=DEFAULT_DB_ALIAS)
    try:
        with probe.cursor() as cursor:
            # A table of the schema: SQLite makes an empty file for a path that has none.
            cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
            cursor.fetchone()
    finally:
        probe.close()
    return {}


def cache_check() -> dict[str, Any]:
    """Redis answers a ping within the timeout (the cache client itself has none), then the
    cache gives back what was just written."""
    location = settings.CACHES["default"].get("LOCATION", "")
    if settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        url = location[0] if isinstance(location, list | tuple) else location
        client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 30)
    try:
        if cache.get(key) != value:
            raise LookupError("the cache lost what was just written")
    finally:
        cache.delete(key)
    return {}


def broker_check() -> dict[str, Any]:
    """A connection to the broker, tried once. The embedded broker (files under ``var/``)
    needs its folders to exist and be writable."""
    with celery_app.connection_for_write(connect_timeout=CHECK_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT)
    options = celery_app.conf.broker_transport_options or {}
    for name in ("data_folder_in", "data_folder_out", "control_folder"):
        if name in options and not os.access(options[name], os.W_OK):
            raise FileNotFoundError(f"broker {name} is not a writable folder")
    return {}


def beat_check() -> dict[str, Any]:
    """The sweep that beat enqueues every interval finished within the last few intervals."""
    interval = _sweep_interval()
    limit = interval * BEAT_GRACE_INTERVALS
    last = sweep_last_finished()
    age = (timezone.now() - last).total_seconds() if last else None
    return {
        "ok": age is not None and age <= limit,
        "last_sweep": last.astimezone(dt.UTC).isoformat() if last else None,
        "age_seconds": round(age) if age is not None else None,
        "max_age_seconds": round(limit),
    }


def _sweep_interval() -> float:
    schedule = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["schedule"]
    if isinstance(schedule, dt.timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    raise TypeError(f"CELERY_BEAT_SCHEDULE[{BEAT_ENTRY!r}] is not a number of seconds")


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": database_check,
    "cache": cache_check,
    "broker": broker_check,
    "beat": beat_check,
}


def _run(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The check's details, with ``ok`` (unless it says), ``ms`` and, for a check that
    failed, the class of its error (never its message: it may name hosts and accounts)."""
    began = time.monotonic()
    try:
        result = {"ok": True, **check()}
    except Exception as exc:  # whatever breaks a check is the check's answer, never a 500
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - began) * 1000)
    return result


def _is_staff(request: HttpRequest) -> bool:
    # Reading the user may read the session from the database: only once it answered.
    try:
        user = request.user
        return bool(user.is_authenticated and (user.is_staff or user.is_superuser))
    except DatabaseError:
        return False


@csrf_exempt  # so that a POST is told 405, not refused for its missing token
@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """``{"status": "up" | "degraded", "checks": {name: "up" | "down"}}`` (200), or ``"down"``
    (503, ``Retry-After``) when the database is; staff read each check's details instead."""
    checks: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name == "beat" and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "error": "database down", "ms": 0}  # its record is a row
        else:
            checks[name] = _run(check)
    is_down = not all(checks[name]["ok"] for name in ESSENTIAL)
    is_well = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {
        "status": "down" if is_down else "up" if is_well else "degraded",
        "checks": {name: "up" if check["ok"] else "down" for name, check in checks.items()},
    }
    if checks["database"]["ok"] and _is_staff(request):
        body["checks"] = checks
    response = JsonResponse(body, status=503 if is_down else 200)
    if is_down:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
