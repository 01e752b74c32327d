"""Reminders and change notices at full size, side by side with a baseline in one run:

(a) 100,000 reminders falling due at the same minute, sent by the sweep through two Celery
    worker processes (``celery worker``, the configured broker: Redis when ``REDIS_URL`` is
    set) to a local SMTP server that counts what it accepts: the seconds from their due time
    to the last one marked sent, against inserting the same 100,000 rows and nothing else;
(b) planning the change notices of a published version that moves a plenary 60,000 people
    are expected at (``publication_plan``), against inserting the same notices row by row
    with ``bulk_create`` and nothing else.

The targets (the last reminder at most 60 s after they fall due; the notices planned in at
most 5 s) apply to PostgreSQL + Redis, which ``DATABASE_URL`` and ``REDIS_URL`` select; each
row says which database and broker it ran on. On PostgreSQL, run alone, the benchmark makes
its own empty database beside the one ``DATABASE_URL`` names (``bench/database.py``).

``rows()`` returns the rows of ``python -m bench``'s table; ``main()`` prints them alone.
``BENCH_REMINDERS`` changes the number of reminders (a multiple of 1,000),
``BENCH_WORKER_THREADS`` the threads of each worker process (8).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

os.environ.setdefault("VAR_DIR", "var/bench-notifications")
shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)
if __name__ == "__main__" and os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from bench import database

    os.environ["DATABASE_URL"] = database.misc_fresh(database.databases())

from bench import setup

setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room, Venue
from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification, PlanningState, PublicationNotice, ReminderPreference
from apps.notifications.services.notices import publication_plan
from apps.programme.models import Session
from apps.programme.services import schedule_publish
from bench.report import Row, at_most, failed, table
from gaplanner.celery import app

COUNT = int(os.environ.get("BENCH_REMINDERS", "100000"))
PER_SESSION = 1000
LEAD = 60
# The plenary: 60 delegations of 1,000, one of them of people who turned e-mail off.
PLENARY_DELEGATIONS = 60
EMAIL_OFF = 1000
SWEEP = "gaplanner.notifications.sweep"
THREADS = int(os.environ.get("BENCH_WORKER_THREADS", "8"))


def where() -> str:
    """The database and broker it ran on, and how busy the machine was (its figures scale
    with it: the baseline beside each one shows by how much)."""
    broker = "Redis" if settings.CELERY_BROKER_URL.startswith("redis") else settings.CELERY_BROKER_URL.split(":")[0]
    database = "PostgreSQL" if connection.vendor == "postgresql" else connection.vendor
    note = "" if (database, broker) == ("PostgreSQL", "Redis") else "; the target applies to PostgreSQL + Redis"
    return f"{database} + {broker}{note}; load average {os.getloadavg()[0]:.1f}"


def analyze() -> None:
    """After bulk writes: this machine's PostgreSQL runs without autovacuum."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# The world --------------------------------------------------------------------------------


def world() -> tuple[Event, list[Delegation]]:
    """An event around today: ``COUNT // 1000`` delegations of 1,000 participants (one in
    ten reads French, one in twenty Arabic) and one more whose members turned e-mail off,
    and a plenary tomorrow for the last 60 delegations, published once."""
    now = timezone.now()
    event = Event.objects.create(
        slug="bench",
        name={"en": "Bench", "fr": "Banc", "ar": "مقعد"},
        timezone="Africa/Casablanca",
        start_date=(now - dt.timedelta(days=1)).date(),
        end_date=(now + dt.timedelta(days=3)).date(),
        reminder_lead_minutes=[LEAD],
    )
    # One delegation per reminder session, and one more whose members turned e-mail off.
    groups = max(COUNT // PER_SESSION, PLENARY_DELEGATIONS - 1) + 1
    delegations = Delegation.objects.bulk_create(
        Delegation(event=event, kind="observer", organisation=f"Delegation {n}") for n in range(groups)
    )
    languages = ["fr" if k % 10 == 1 else "ar" if k % 20 == 2 else "en" for k in range(PER_SESSION)]
    for n, delegation in enumerate(delegations):
        Participant.objects.bulk_create(
            (
                Participant(
                    event=event,
                    delegation=delegation,
                    first_name="Amina" if k % 2 else "Karim",
                    last_name=f"Delegate {n}-{k}",
                    email=f"p{n}-{k}@example.org",
                    language=languages[k],
                )
                for k in range(PER_SESSION)
            ),
            batch_size=PER_SESSION,
        )
    off = Participant.objects.filter(delegation=delegations[-1])
    ReminderPreference.objects.bulk_create(ReminderPreference(participant=p, channels=[]) for p in off)
    venue = Venue.objects.create(event=event, name="Palais")
    hall = Room.objects.create(venue=venue, name="Plenary hall", capacity=60_000)
    start = (now + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    plenary = Session.objects.create(
        event=event,
        code="PLENARY",
        title={"en": "Plenary", "fr": "Plénière", "ar": "جلسة عامة"},
        room=hall,
        start=start,
        end=start + dt.timedelta(hours=3),
        status="confirmed",
    )
    plenary.delegations.set(delegations[-PLENARY_DELEGATIONS:])
    # The announcement: no change notices, and nothing due before tomorrow to plan.
    PublicationNotice.objects.create(version=schedule_publish(event=event, confirm_warnings=True))
    return event, delegations


def purge() -> None:
    """Empty the ``notifications`` queue of the planning tasks publishing queued (the
    benchmark plans each publication itself, so they would find nothing left to do)."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("notifications")


# (b) change notices -------------------------------------------------------------------------


def notices(event: Event) -> list[Row]:
    """Move the plenary, publish, and plan the notices as the publication's task does."""
    plenary = Session.objects.working().get(event=event, code="PLENARY")
    plenary.start += dt.timedelta(hours=2)
    plenary.end += dt.timedelta(hours=2)
    plenary.save()
    version = schedule_publish(event=event, confirm_warnings=True)
    audience = Participant.objects.filter(delegation__sessions=plenary)
    expected = audience.count() - EMAIL_OFF
    ids = list(audience.filter(reminder_preference__isnull=True).values_list("pk", flat=True))
    baseline = _notices_insert(event, ids, version.number)
    began = time.perf_counter()
    planned = publication_plan(version=version)
    took = time.perf_counter() - began
    size = f"{planned:,} notices"
    if planned != expected:
        return [failed("change notices planned for a moved plenary", size, "<= 5 s", f"expected {expected:,}")]
    return [
        at_most(
            "change notices planned for a moved plenary (publication_plan)",
            size,
            took,
            "s",
            5,
            baseline=baseline,
            baseline_what="bulk_create of the same rows",
            note=where(),
        )
    ]


def _notices_insert(event: Event, ids: list[int], version: int) -> float:
    due = timezone.now() + dt.timedelta(minutes=10)
    began = time.perf_counter()
    with transaction.atomic():
        Notification.objects.bulk_create(
            (
                Notification(
                    event=event,
                    participant_id=pk,
                    kind=NotificationKind.CHANGES,
                    version_from=version,
                    version_to=version,
                    due_at=due,
                )
                for pk in ids
            ),
            batch_size=2000,
        )
    took = time.perf_counter() - began
    Notification.objects.filter(kind=NotificationKind.CHANGES).delete()
    return took


# (a) reminders ------------------------------------------------------------------------------


def reminder_sessions(event: Event, delegations: list[Delegation]) -> dt.datetime:
    """One session for each delegation of 1,000, all starting at the same minute, published
    and planned as the sweeps before their due minute would have. Returns that due time."""
    venue = Venue.objects.get(event=event)
    # Time enough to plan and start the workers before the reminders fall due.
    due = (timezone.now() + dt.timedelta(seconds=150)).replace(second=0, microsecond=0)
    start = due + dt.timedelta(minutes=LEAD)
    for n, delegation in enumerate(delegations[: COUNT // PER_SESSION]):
        room = Room.objects.create(venue=venue, name=f"Room {n}", capacity=PER_SESSION)
        session = Session.objects.create(
            event=event,
            code=f"S-{n:04d}",
            title={"en": f"Session {n}", "fr": f"Séance {n}", "ar": f"الجلسة {n}"},
            room=room,
            start=start,
            end=start + dt.timedelta(hours=1),
            status="confirmed",
        )
        session.delegations.set([delegation])
    version = schedule_publish(event=event, confirm_warnings=True)
    # The publication's task plans the reminders due within the planning horizon ...
    publication_plan(version=version)
    # ... and the sweeps of the minutes before have moved the horizon on.
    PlanningState.objects.update_or_create(
        event=event, defaults={"reminders_planned_until": due + dt.timedelta(minutes=60)}
    )
    analyze()
    return due


def reminders_insert(event: Event) -> float:
    """The baseline: insert rows like the reminders, doing nothing else."""
    sessions = {s.code: s for s in Session.objects.published().filter(event=event)}
    pairs = list(Participant.objects.filter(event=event).values_list("pk", "delegation__organisation"))[:COUNT]
    start = timezone.now() + dt.timedelta(days=1)
    began = time.perf_counter()
    with transaction.atomic():
        Notification.objects.bulk_create(
            (
                Notification(
                    event=event,
                    participant_id=pk,
                    kind=NotificationKind.REMINDER,
                    session_code=f"S-{int(name.split()[-1]):04d}",
                    lead_minutes=LEAD,
                    session_sequence=sessions["PLENARY"].sequence,
                    session_start=start,
                    due_at=start - dt.timedelta(minutes=LEAD),
                )
                for pk, name in pairs
            ),
            batch_size=2000,
        )
    took = time.perf_counter() - began
    Notification.objects.filter(kind=NotificationKind.REMINDER).delete()
    return took


def _sink(port: int, count: Synchronized[int], ready: Synchronized[int]) -> None:
    """A local SMTP server that accepts every message and counts them (standing in for the
    mail server, which on a real deployment is not a Python process on the same cores)."""

    class Sink(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.buffer = b""
            self.in_data = False
            transport.write(b"220 sink ESMTP\r\n")  # type: ignore[attr-defined]

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                if self.in_data:
                    end = self.buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        return
                    self.buffer = self.buffer[end + 5 :]
                    self.in_data = False
                    with count.get_lock():
                        count.value += 1
                    self.transport.write(b"250 accepted\r\n")  # type: ignore[attr-defined]
                    continue
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.in_data = True
                    self.buffer = b"\r\n" + self.buffer  # a message may be empty
                    self.transport.write(b"354 go on\r\n")  # type: ignore[attr-defined]
                elif verb == b"QUIT":
                    self.transport.write(b"221 bye\r\n")  # type: ignore[attr-defined]
                    self.transport.close()
                    return
                elif verb == b"EHLO":
                    self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")  # type: ignore[attr-defined]
                else:
                    self.transport.write(b"250 ok\r\n")  # type: ignore[attr-defined]

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", port)
        ready.value = 1
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _workers(port: int) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    env.pop("EMAIL_BACKEND", None)
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(settings.DATABASES['default']['NAME']).resolve()}"
    # Each a pool of threads: a sender mostly waits for the SMTP server and the database.
    command = [sys.executable, "-m", "celery", "-A", "gaplanner", "worker", "-Q", "notifications"]
    command += ["-P", "threads", "-c", str(THREADS)]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    return [subprocess.Popen([*command, "-n", f"bench{n}@%h"], env=env) for n in range(2)]


def _wait(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.5)


def reminders(event: Event, delegations: list[Delegation]) -> list[Row]:
    size = f"{COUNT:,} reminders, 2 workers x {THREADS} threads"
    target = "<= 60 s"
    insert = reminders_insert(event)
    due = reminder_sessions(event, delegations)
    planned = Notification.objects.filter(kind=NotificationKind.REMINDER, status=NotificationStatus.PENDING).count()
    if planned != COUNT:
        return [failed("last reminder sent, after due", size, target, f"{planned:,} planned")]
    purge()
    port = _free_port()
    count = multiprocessing.get_context("fork").Value("i", 0)
    ready = multiprocessing.get_context("fork").Value("i", 0)
    connections.close_all()
    sink = multiprocessing.get_context("fork").Process(target=_sink, args=(port, count, ready), daemon=True)
    sink.start()
    processes = _workers(port)
    try:
        _wait(lambda: ready.value and len(app.control.ping(timeout=1.0)) >= 2, 120, "the workers and the sink")
        late = (timezone.now() - due).total_seconds()
        if late > 0:
            return [failed("last reminder sent, after due", size, target, f"set up {late:.0f} s after due")]
        time.sleep((due - timezone.now()).total_seconds())
        app.send_task(SWEEP)  # what beat does at the due minute
        _wait(
            lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() >= COUNT,
            600,
            "every reminder sent",
        )
        last = Notification.objects.aggregate(last=Max("sent_at"))["last"]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        sink.terminate()
    unsent = Notification.objects.filter(kind=NotificationKind.REMINDER).exclude(status=NotificationStatus.SENT)
    if count.value != COUNT or unsent.exists():
        return [failed("last reminder sent, after due", size, target, f"the server took {count.value:,}")]
    return [
        at_most(
            "last reminder sent, after due (sweep, 2 workers, SMTP)",
            size,
            (last - due).total_seconds(),
            "s",
            60,
            baseline=insert,
            baseline_what="inserting the rows alone",
            note=f"{where()}; the SMTP server took {count.value:,}",
        )
    ]


def rows() -> list[Row]:
    call_command("migrate", verbosity=0)
    event, delegations = world()
    analyze()
    purge()
    return notices(event) + reminders(event, delegations)


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
