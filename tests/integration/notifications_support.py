"""A world for the notification checks on real processes: an event happening now, a local
SMTP server, and Celery workers started as separate processes (so that they can be killed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import os
import socket
import subprocess
import sys
import threading
import time
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from apps.delegations.enums import Role
from tests.factories import DelegationFactory, EventFactory, ParticipantFactory, RoomFactory, SessionFactory

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, timeout: float = 90.0, what: str = "the condition"):
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Inbox:
    """An SMTP server's handler that keeps what arrives and can hold one message in flight:
    the server has its content but has not answered yet."""

    def __init__(self, *, hold_at: int | None = None) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        if self.hold_at is not None and len(self.messages) == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 closing"
        return "250 Message accepted"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def smtp_server(inbox: Inbox) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def database_url() -> str:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def start_worker(*, smtp_port: int, var_dir: Path, redis_url: str = "", lease_minutes: int = 10) -> subprocess.Popen:
    """A worker on the ``notifications`` queue, in its own process, on the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(var_dir),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "NOTIFICATION_LEASE_MINUTES": str(lease_minutes),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "celery", "-A", "gaplanner", "worker", "-Q", "notifications", "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    with (var_dir / "worker.log").open("ab") as log:  # the worker keeps its own handle
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def probe_app(*, var_dir: Path, redis_url: str = ""):
    """A Celery client on the same private broker as the worker: it asks for sweeps."""
    from celery import Celery

    from gaplanner.celery import app

    probe = Celery("probe", set_as_current=False)
    probe.conf.update(
        task_queues=app.conf.task_queues,
        task_routes=app.conf.task_routes,
        task_serializer="json",
        broker_connection_retry=False,
        broker_connection_max_retries=0,
    )
    if redis_url:
        probe.conf.broker_url = redis_url
    else:
        folder = str(var_dir / "celery" / "broker")
        probe.conf.broker_url = "filesystem://"
        control = str(var_dir / "celery" / "control")
        probe.conf.broker_transport_options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": control,
        }
    return probe


def event_happening_now(*, people: int, lead_minutes: int, starts_in: dt.timedelta):
    """An event around today with one session starting ``starts_in`` from now, expecting a
    delegation of ``people``; reminders ``lead_minutes`` before."""
    now = timezone.now()
    event = EventFactory(
        slug="live",
        timezone="Africa/Casablanca",
        start_date=(now - dt.timedelta(days=1)).date(),
        end_date=(now + dt.timedelta(days=2)).date(),
        reminder_lead_minutes=[lead_minutes],
    )
    delegation = DelegationFactory(event=event, country="MA")
    participants = [
        ParticipantFactory(
            event=event,
            delegation=delegation,
            role=Role.HEAD if n == 0 else Role.DELEGATE,
            email=f"person{n:03d}@example.org",
        )
        for n in range(people)
    ]
    start = (now + starts_in).replace(second=0, microsecond=0)
    session = SessionFactory(
        event=event,
        code="LIVE",
        room=RoomFactory(venue__event=event),
        start=start,
        end=start + dt.timedelta(hours=1),
        audience={"delegations": [delegation]},
    )
    return event, participants, session
