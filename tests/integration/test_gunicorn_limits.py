"""Under gunicorn, started with the project's gunicorn.conf.py, an oversized query string is
answered by the application (a 400 naming the parameter), not by gunicorn's bare 400; the
request line is still bounded (issue 12, item 3)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import EventFactory

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/events/ga-2025/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def gunicorn(transactional_db) -> Iterator[int]:
    """gunicorn with gunicorn.conf.py on a free local port, on the test database; its port."""
    EventFactory(slug="ga-2025")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "VAR_DIR": str(settings.VAR_DIR),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "gaplanner.wsgi", "--config", "gunicorn.conf.py"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def _get(port: int, target: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("target", "errors"),
    [
        (f"{API}sessions/?q={'x' * 60_000}", {"q": ["Too long: 60000 characters; at most 1000."]}),
        (f"{API}changes/?since={'9' * 5000}", {"since": ["Too long: 5000 characters; at most 1000."]}),
        (f"{API}changes/?since={'9' * 20}", {"since": ["Enter a version number."]}),
        (
            f"{API}sessions/?" + "&".join(f"p{i}=1" for i in range(1000)),
            {"query_string": ["Too many parameters: 1000; at most 100."]},
        ),
    ],
)
def test_gunicorn_lets_the_application_name_the_parameter(gunicorn, target, errors):
    status, content_type, body = _get(gunicorn, target)

    assert (status, content_type, json.loads(body)) == (
        400,
        "application/json",
        {"detail": "Invalid input.", "errors": errors},
    )


def test_gunicorn_serves_the_bad_request_page_for_pages(gunicorn):
    status, content_type, body = _get(gunicorn, f"/events/ga-2025/?q={'x' * 60_000}")

    assert (status, content_type) == (400, "text/html; charset=utf-8")
    assert "<li><code>q</code>: Too long: 60000 characters; at most 1000.</li>" in body


def test_gunicorn_still_bounds_the_request_line_at_one_mebibyte(gunicorn):
    status, _content_type, body = _get(gunicorn, f"{API}sessions/?q={'x' * (1024 * 1024)}")

    assert (status, "Invalid input" in body) == (414, False)
