"""Faults under load (issue 15, item 7), on services of the test's own, so that stopping them
disturbs nothing else: a PostgreSQL cluster and a Redis server, the planner under gunicorn
(gunicorn.conf.py) on the Marrakech sample, and a client thread asking all along.

- PostgreSQL stopped while requests run: 503 with Retry-After and a message (JSON for the API,
  plain text for a calendar file, a short page for pages, down for /health/), never a 500;
  started again: 200, without restarting the web. Its connections are kept (CONN_MAX_AGE), so
  the dead one must be dropped by itself.
- Redis stopped: feeds, pages and the API still answer 200, built from the database; started
  again (empty): feeds are cached there again.

Reminders across a Redis restart (no loss, no duplicate): test_notifications_processes.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from .faults_support import Answer, Client, PrivatePostgres, PrivateRedis, get, gunicorn, manage, planner_env
from .notifications_support import wait_until

EVENT = "interpol-ga-2025"
DATABASE = "gp_faults"
# Never to be written to a log: the database URL carries it (trust authentication ignores it).
PASSWORD = "s3cret-faults-pw"
MESSAGE = "The planner cannot reach its database for the moment: retry in a few seconds."
API = f"/api/v1/events/{EVENT}/"
PAGE = f"/events/{EVENT}/"
FEED = f"/events/{EVENT}/feeds/public.ics"
HEALTH = "/health/"


@pytest.fixture(scope="module")
def postgres(tmp_path_factory) -> Iterator[PrivatePostgres]:
    """A private cluster holding the migrated sample, published; running."""
    cluster = PrivatePostgres()
    try:
        cluster.start()
        cluster.create_database(DATABASE)
        env = planner_env(database_url=cluster.url(DATABASE), var_dir=tmp_path_factory.mktemp("faults-setup"))
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("sample_load", env=env)
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def public_session_download(port: int) -> str:
    sessions = json.loads(get(port, f"{API}sessions/?page_size=1").body)["results"]
    return f"/events/{EVENT}/sessions/{sessions[0]['code']}/calendar.ics"


def no_server_error(answers: list[Answer]) -> Counter:
    statuses = Counter(answer.status for answer in answers)
    assert set(statuses) <= {200, 503}, statuses
    return statuses


def test_postgres_restarted_under_requests_answers_503_then_recovers_without_a_web_restart(postgres, tmp_path):
    env = planner_env(database_url=postgres.url(DATABASE, password=PASSWORD), var_dir=tmp_path, CONN_MAX_AGE="60")
    with gunicorn(env, log=tmp_path / "web.log") as web:
        download = public_session_download(web.port)
        client = Client(web.port, [API, download, PAGE, HEALTH, FEED])
        client.start()
        try:
            client.wait_for_each(0, lambda a: a.status == 200, what="every answer 200 before the outage")

            postgres.stop()
            stopped = client.mark()
            down = client.wait_for_each(
                stopped, lambda a: a.status == 503 or a.target == FEED, what="every answer 503 while it is down"
            )
            postgres.start()
            started = client.mark()
            client.wait_for_each(started, lambda a: a.status == 200, what="every answer 200 once it is back")
        finally:
            client.stop()
        log = web.log_text()
        assert web.process.poll() is None

    assert (down[API].status, down[API].content_type, down[API].retry_after, json.loads(down[API].body)) == (
        503,
        "application/json",
        "10",
        {"detail": MESSAGE},
    )
    assert (down[download].status, down[download].content_type, down[download].retry_after, down[download].text) == (
        503,
        "text/plain; charset=utf-8",
        "10",
        f"{MESSAGE}\n",
    )
    assert (down[PAGE].status, down[PAGE].content_type, down[PAGE].retry_after) == (
        503,
        "text/html; charset=utf-8",
        "10",
    )
    assert "<h1>The planner is unavailable for the moment</h1>" in down[PAGE].text
    assert f"<p>{MESSAGE}</p>" in down[PAGE].text
    assert (down[HEALTH].status, down[HEALTH].retry_after, json.loads(down[HEALTH].body)) == (
        503,
        "30",
        {"status": "down", "checks": {"database": "down", "cache": "up", "broker": "up", "beat": "down"}},
    )
    # The public feed was cached before: served from the cache, or 503 in plain text.
    assert down[FEED].status == 200 or down[FEED].text == f"{MESSAGE}\n"
    statuses = no_server_error(client.answers)
    assert statuses[503] >= 4
    # Logged once when it began and once when it ended, with no traceback and no password;
    # the one worker served throughout.
    assert log.count("Database unreachable (") == 1, log[-3000:]
    assert log.count("Database reachable again after ") == 1, log[-3000:]
    assert "Traceback" not in log
    assert PASSWORD not in log
    assert log.count("Booting worker") == 1


def test_redis_restarted_under_requests_serves_feeds_from_the_database_then_caches_them_again(
    postgres, redis_server, tmp_path
):
    cached = redis_server.client()
    env = planner_env(database_url=postgres.url(DATABASE), var_dir=tmp_path, redis_url=redis_server.url)
    with gunicorn(env, log=tmp_path / "web.log") as web:
        client = Client(web.port, [FEED, API, PAGE, HEALTH])
        client.start()
        try:
            before = client.wait_for_each(0, lambda a: a.status == 200, what="every answer 200 with Redis up")
            wait_until(lambda: cached.keys("*feeds:body:*"), what="the feed cached in Redis")

            redis_server.stop()
            stopped = client.mark()
            down = client.wait_for_each(
                stopped,
                lambda a: a.status == 200 and (a.target != HEALTH or json.loads(a.body)["checks"]["cache"] == "down"),
                what="every answer 200 while Redis is down, and health saying so",
            )
            during = client.since(stopped)

            redis_server.start()
            started = client.mark()
            client.wait_for_each(
                started,
                lambda a: a.status == 200 and (a.target != HEALTH or json.loads(a.body)["checks"]["cache"] == "up"),
                what="every answer 200 once Redis is back, and health saying so",
            )
            recached = wait_until(lambda: redis_server.client().keys("*feeds:body:*"), what="the feed cached again")
        finally:
            client.stop()
        log = web.log_text()

    assert {answer.status for answer in during} == {200}
    assert (down[FEED].content_type, down[FEED].body) == (before[FEED].content_type, before[FEED].body)
    assert down[FEED].body.startswith(b"BEGIN:VCALENDAR")
    assert json.loads(down[HEALTH].body) == {
        "status": "degraded",
        "checks": {"database": "up", "cache": "down", "broker": "down", "beat": "down"},
    }
    assert recached
    no_server_error(client.answers)
    assert log.count("Redis cache unreachable (ConnectionError)") == 1, log[-3000:]
    assert log.count("Redis cache answering again") == 1, log[-3000:]
    assert "Traceback" not in log
    assert log.count("Booting worker") == 1
