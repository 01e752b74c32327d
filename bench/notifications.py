"""Reminders at scale, side by side in one run:

a sweep that plans, claims and sends 100,000 due reminders through two worker processes
(Django's in-memory e-mail backend, the configured broker), against a baseline loop that
only inserts the same 100,000 rows. Prints the ratio and the time until the last is sent.

``BENCH_REMINDERS`` changes the count.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("VAR_DIR", "var/bench-notifications")
shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)

from bench import setup

setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room, Venue
from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification
from apps.notifications.services.planning import reminders_plan
from apps.notifications.services.sweep import notifications_claim
from apps.programme.models import Session
from apps.programme.services import schedule_publish

COUNT = int(os.environ.get("BENCH_REMINDERS", "100000"))
PER_SESSION = 1000
LEAD = 60


def world() -> Event:
    now = timezone.now()
    event = Event.objects.create(
        slug="bench",
        name={"en": "Bench"},
        timezone="Africa/Casablanca",
        start_date=(now - dt.timedelta(days=1)).date(),
        end_date=(now + dt.timedelta(days=2)).date(),
        reminder_lead_minutes=[LEAD],
    )
    venue = Venue.objects.create(event=event, name="Palais")
    start = (now + dt.timedelta(minutes=LEAD - 5)).replace(second=0, microsecond=0)
    sessions = COUNT // PER_SESSION
    for n in range(sessions):
        delegation = Delegation.objects.create(event=event, kind="member", organisation=f"Delegation {n}")
        Participant.objects.bulk_create(
            Participant(
                event=event, delegation=delegation, first_name="P", last_name=f"{n}-{k}", email=f"p{n}-{k}@example.org"
            )
            for k in range(PER_SESSION)
        )
        room = Room.objects.create(venue=venue, name=f"Room {n}", capacity=PER_SESSION)
        session = Session.objects.create(
            event=event,
            code=f"S-{n:04d}",
            title={"en": f"Session {n}"},
            room=room,
            start=start,
            end=start + dt.timedelta(hours=1),
            status="confirmed",
        )
        session.delegations.set([delegation])
    schedule_publish(event=event, confirm_warnings=True)
    return event


def baseline(event: Event) -> float:
    """Insert the same rows, doing nothing else."""
    copies = {s.code: s for s in Session.objects.published().filter(event=event)}
    pairs = list(Participant.objects.filter(event=event).values_list("pk", "delegation__organisation"))
    began = time.perf_counter()
    with transaction.atomic():
        Notification.objects.bulk_create(
            (
                Notification(
                    event=event,
                    participant_id=pk,
                    kind=NotificationKind.REMINDER,
                    session_code=(code := f"S-{int(name.split()[-1]):04d}"),
                    lead_minutes=LEAD,
                    session_sequence=copies[code].sequence,
                    session_start=copies[code].start,
                    due_at=copies[code].start - dt.timedelta(minutes=LEAD),
                )
                for pk, name in pairs
            ),
            batch_size=2000,
        )
    elapsed = time.perf_counter() - began
    Notification.objects.all().delete()
    return elapsed


def workers() -> list[subprocess.Popen]:
    env = {**os.environ, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(settings.DATABASES['default']['NAME']).resolve()}"
    command = [sys.executable, "-m", "celery", "-A", "gaplanner", "worker", "-Q", "notifications", "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    return [subprocess.Popen([*command, "-n", f"bench{n}@%h"], env=env) for n in range(2)]


def main() -> None:
    call_command("migrate", verbosity=0)
    event = world()
    insert = baseline(event)
    processes = workers()
    try:
        began = time.perf_counter()
        start = timezone.now()
        planned = reminders_plan(event=event, due_until=start, not_begun_at=start)
        claimed = notifications_claim(now=start)
        queued = time.perf_counter() - began
        while Notification.objects.filter(status=NotificationStatus.SENT).count() < COUNT:
            time.sleep(0.5)
        last = Notification.objects.aggregate(last=Max("sent_at"))["last"]
        total = (last - start).total_seconds()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
    print(f"{connection.vendor}, {settings.CELERY_BROKER_URL.split(':')[0]} broker, two worker processes")
    print(f"baseline: inserting {COUNT:,} rows took {insert:.2f} s")
    print(f"sweep: planned {planned:,}, claimed {claimed:,} and queued in {queued:.2f} s")
    print(f"the last of {COUNT:,} reminders was sent {total:.1f} s after the sweep began")
    print(f"ratio: {total / insert:.1f}x the time of inserting the rows alone")


if __name__ == "__main__":
    main()
