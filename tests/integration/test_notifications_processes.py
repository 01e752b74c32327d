"""Reminders survive what happens to processes: a worker killed mid-send, Redis restarted
while reminders are due, two sweeps at once. Workers run as real processes, or (for two
sweeps) as the package's worker; e-mail goes through a real local SMTP server."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.notifications.enums import NotificationStatus
from apps.notifications.models import Notification
from apps.notifications.services.planning import reminders_plan
from apps.notifications.services.sweep import notifications_sweep
from apps.programme.services import schedule_publish

from .notifications_support import (
    Inbox,
    event_happening_now,
    free_port,
    probe_app,
    smtp_server,
    start_worker,
    wait_until,
)

SWEEP = "gaplanner.notifications.sweep"


def statuses() -> Counter:
    return Counter(Notification.objects.values_list("status", flat=True))


def plan_due_reminders(event) -> int:
    """Plan what is due now (as the sweep of ten minutes ago would have done)."""
    now = timezone.now()
    return reminders_plan(event=event, due_until=now, not_begun_at=now)


@pytest.fixture
def private_dir(tmp_path):
    (tmp_path / "celery" / "broker").mkdir(parents=True)
    return tmp_path


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_every_reminder_sent_once(private_dir):
    event, _people, _session = event_happening_now(people=30, lead_minutes=60, starts_in=dt.timedelta(minutes=55))
    schedule_publish(event=event, confirm_warnings=True)
    assert plan_due_reminders(event) == 30
    inbox = Inbox(hold_at=10)
    server = smtp_server(inbox)
    probe = probe_app(var_dir=private_dir)
    first = start_worker(smtp_port=server.port, var_dir=private_dir)
    try:
        probe.send_task(SWEEP)
        assert inbox.holding.wait(timeout=90), "the worker never reached the tenth message"
        # The tenth message is on the server, unanswered: the worker dies before it knows.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        inbox.release.set()
        assert statuses() == Counter({NotificationStatus.SENT: 9, NotificationStatus.QUEUED: 21})

        # After the restart, the next sweep finds the rows whose lease has run out.
        second = start_worker(smtp_port=server.port, var_dir=private_dir, lease_minutes=0)
        try:
            probe.send_task(SWEEP)
            wait_until(lambda: statuses() == Counter({NotificationStatus.SENT: 30}), what="every reminder sent")
        finally:
            stop(second)
    finally:
        stop(first)
        server.stop()

    ids = Counter(inbox.message_ids())
    assert len(ids) == 30
    # Only the message in flight at the kill went out twice, under the same Message-ID, which
    # mail clients show once; every other reminder went out exactly once.
    assert sorted(ids.values()) == [1] * 29 + [2]
    assert len(inbox.messages) == 31


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_and_started_while_reminders_are_due_loses_nothing(private_dir):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is needed for this check (see .ci/run)"
    port = free_port()
    command = [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{port}/0"
    event, people, _session = event_happening_now(people=12, lead_minutes=60, starts_in=dt.timedelta(minutes=55))
    schedule_publish(event=event, confirm_warnings=True)
    plan_due_reminders(event)
    # Half were claimed and handed to the broker just before it went down with them.
    lost = list(Notification.objects.order_by("pk").values_list("pk", flat=True)[:6])
    Notification.objects.filter(pk__in=lost).update(
        status=NotificationStatus.QUEUED, claimed_at=timezone.now() - dt.timedelta(minutes=11)
    )
    inbox = Inbox()
    server = smtp_server(inbox)
    probe = probe_app(var_dir=private_dir, redis_url=redis_url)
    wait_until(lambda: _pings(probe), what="the private Redis")
    worker = start_worker(smtp_port=server.port, var_dir=private_dir, redis_url=redis_url)
    try:
        redis.terminate()
        redis.wait(timeout=30)
        with pytest.raises(OperationalError):
            probe.send_task(SWEEP)  # nothing can be asked of the worker while Redis is down
        assert statuses() == Counter({NotificationStatus.PENDING: 6, NotificationStatus.QUEUED: 6})

        redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(lambda: _pings(probe), what="Redis back")
        probe.send_task(SWEEP)
        wait_until(lambda: statuses() == Counter({NotificationStatus.SENT: 12}), what="every reminder sent")
    finally:
        stop(worker)
        server.stop()
        redis.terminate()
        redis.wait(timeout=30)

    assert sorted(Counter(inbox.message_ids()).values()) == [1] * 12
    assert sorted(m["To"] for m in inbox.messages) == sorted(p.email for p in people)


def _pings(probe) -> bool:
    try:
        with probe.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except OperationalError:
        return False


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_no_duplicate(worker):
    event, people, _session = event_happening_now(people=40, lead_minutes=60, starts_in=dt.timedelta(minutes=55))
    schedule_publish(event=event, confirm_warnings=True)
    plan_due_reminders(event)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    counts: list[dict[str, int]] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            counts.append(notifications_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    wait_until(lambda: statuses().get(NotificationStatus.SENT) == 40, what="every reminder sent")
    assert sum(c["claimed"] for c in counts) == 40
    reminders = [m for m in mail.outbox if ".reminder@" in m.extra_headers["Message-ID"]]
    assert sorted(m.to[0] for m in reminders) == sorted(p.email for p in people)
