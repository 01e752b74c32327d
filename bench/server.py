"""What the HTTP benchmarks share: a server in processes of its own (gunicorn with the
project's ``gunicorn.conf.py``, and a Celery worker), a plain HTTP client, an organizer's
credentials, and the calendar feeds to poll.

The server runs as in production (``DEBUG`` off, behind a proxy that terminates TLS, so
requests say ``X-Forwarded-Proto: https``) on the benchmark's copy of the database and on the
Redis that ``REDIS_URL`` names, whose database it empties first: give it one of its own.
What it changes for a benchmark, and why:

- ``API_THROTTLE_USER`` and ``API_THROTTLE_ANON``: one organizer's token makes every request
  of the load test; the production limit (3,000 a minute) would answer it 429;
- ``CONN_MAX_AGE`` 60 unless set: a connection per request costs PostgreSQL a process fork;
- ``BENCH_WEB_CONCURRENCY`` and ``BENCH_WEB_THREADS`` set gunicorn's workers and threads
  (default: gunicorn.conf.py's, 3 workers of 1 thread).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.database import ROOT

RUN_DIR = ROOT / "var" / "bench-http" / "run"
# The server's only: it signs nothing that outlives the benchmark.
SECRET_KEY = "benchmark-only-secret-key-not-for-production-use-0123456789"  # noqa: S105
ORGANIZER = "bench-organizer"


def server_environ(database_url: str, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DEMO_MODE"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        ENV_FILE="",
        SECRET_KEY=SECRET_KEY,
        VAR_DIR=str(RUN_DIR),
        PORT=str(port),
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_PROXY_SSL_HEADER="1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        API_THROTTLE_USER="10000000/min",
        API_THROTTLE_ANON="10000000/min",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("CONN_MAX_AGE", "60")
    if os.environ.get("BENCH_WEB_CONCURRENCY"):
        env["WEB_CONCURRENCY"] = os.environ["BENCH_WEB_CONCURRENCY"]
    if os.environ.get("BENCH_WEB_THREADS"):
        env["GUNICORN_CMD_ARGS"] = f"--threads {int(os.environ['BENCH_WEB_THREADS'])}"
    return env


def django_setup(database_url: str, port: int) -> None:
    """This process's Django on the server's settings and database (for the ORM and the
    in-process measurements)."""
    os.environ.update(server_environ(database_url, port))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # Each worker's peak resident memory seen so far, sampled four times a second: a worker
    # that gunicorn kills (timeout) takes its own record with it.
    peaks: dict[int, float] = field(default_factory=dict)

    @property
    def gunicorn(self) -> subprocess.Popen[bytes]:
        return self.processes[0]

    def workers(self) -> list[int]:
        """The gunicorn master's worker processes."""
        master = self.gunicorn.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
        return found

    def peak_rss_mb(self) -> dict[int, float]:
        """Each worker's peak resident memory (``VmHWM``), in MB."""
        peaks = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1]) / 1024
        return peaks

    def sample(self, stop: threading.Event) -> None:
        while not stop.wait(0.25):
            for pid, peak in self.peak_rss_mb().items():
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)


@contextmanager
def running(database_url: str, *, worker: bool = True) -> Iterator[Server]:
    """gunicorn (and a Celery worker) on ``database_url``, stopped on the way out."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = server_environ(database_url, port)
    bin_dir = Path(sys.executable).parent
    server = Server(port)
    logs = []
    stop = threading.Event()
    try:
        log = open(RUN_DIR / "gunicorn.log", "wb")  # noqa: SIM115
        logs.append(log)
        server.processes.append(
            subprocess.Popen(
                # No control socket: its default path is one for every gunicorn of the machine.
                [str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "gaplanner.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        if worker:
            log = open(RUN_DIR / "worker.log", "wb")  # noqa: SIM115
            logs.append(log)
            server.processes.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "celery"),
                        "-A",
                        "gaplanner",
                        "worker",
                        "--queues",
                        "default,feeds,notifications",
                        "--concurrency",
                        "2",
                        "--loglevel",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_up(server)
        sampler = threading.Thread(target=server.sample, args=(stop,), daemon=True)
        sampler.start()
        yield server
    finally:
        stop.set()
        for process in server.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in server.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def _wait_up(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    client = Http(server.port)
    while time.monotonic() < deadline:
        if server.gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.gunicorn.returncode}): see {RUN_DIR / 'gunicorn.log'}")
        try:
            if client.get("/health/").status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: see {RUN_DIR / 'gunicorn.log'}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def kb(self) -> float:
        return len(self.body) / 1000


class Http:
    """One keep-alive connection to the server, as a client behind the TLS proxy."""

    def __init__(self, port: int, headers: Mapping[str, str] | None = None, timeout: float = 120) -> None:
        self.port, self.timeout = port, timeout
        self.headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **(headers or {})}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: Any = None, headers: Mapping[str, str] | None = None) -> Answer:
        sent = {**self.headers, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            began = time.perf_counter()
            try:
                self.connection.request(method, path, body=data, headers=sent)
                response = self.connection.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.connection.close()
                self.connection = None
                # A connection the server closed while idle: a GET once more on a new one.
                idle = isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError)
                if attempt == 2 or method != "GET" or not idle:
                    raise
                continue
            took = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, content, took)
        raise AssertionError("unreachable")

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)


@dataclass(frozen=True)
class Organizer:
    token: str
    session_cookie: str

    def api(self, port: int) -> Http:
        return Http(port, {"Authorization": f"Token {self.token}", "Accept": "application/json"})

    def pages(self, port: int, headers: Mapping[str, str] | None = None) -> Http:
        return Http(port, {"Cookie": self.session_cookie, **(headers or {})})


def organizer_for(slugs: list[str]) -> Organizer:
    """An organizer of these events (made if absent) with a new API token and a signed-in
    session (Django set up first)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from apps.accounts.services import api_token_create
    from apps.events.models import Event

    user, _created = get_user_model().objects.get_or_create(
        username=ORGANIZER, defaults={"email": "bench-organizer@example.org", "is_staff": True}
    )
    for event in Event.objects.filter(slug__in=slugs):
        event.organizers.add(user)
    _token, token = api_token_create(user=user, name="bench")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Organizer(token=token, session_cookie=f"{settings.SESSION_COOKIE_NAME}={cookie}")


def vevent_starts(body: bytes) -> dict[str, bytes]:
    """Each VEVENT's UID and its DTSTART line, from a calendar's bytes."""
    found = {}
    for block in body.split(b"BEGIN:VEVENT")[1:]:
        uid = start = b""
        for line in block.split(b"\r\n"):
            if line.startswith(b"UID:"):
                uid = line[4:]
            elif line.startswith(b"DTSTART"):
                start = line
        found[uid.decode()] = start
    return found


def feed_path(url: str) -> str:
    """The path of an absolute feed link (``https://host/feeds/…`` or ``webcal://…``)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def event_day_paths(slug: str) -> list[str]:
    from apps.events.models import Event

    event = Event.objects.get(slug=slug)
    return [f"/events/{slug}/feeds/days/{day.isoformat()}.ics" for day in event.days]


def local(instant: dt.datetime, slug: str) -> str:
    """``instant`` written in the event's time, with its offset, as the API reads it."""
    from apps.events.models import Event

    return instant.astimezone(Event.objects.get(slug=slug).zone).isoformat()
