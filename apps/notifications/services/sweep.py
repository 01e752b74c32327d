"""The sweep, every minute: plan ahead, give up on what is too late, claim what is due and
hand it to the senders on the ``notifications`` queue, and retry webhook deliveries."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.events.models import Event
from apps.programme.models import ScheduleVersion

from ..enums import NotificationKind, NotificationStatus
from ..models import NOTIFICATIONS_SWEEP, Notification, PublicationNotice, SweepRun
from ..tasks import TRANSIENT, task_notifications_send
from ..webhooks.services import webhook_deliveries_enqueue_due
from .notices import publication_plan
from .planning import LOOKBACK, planning_advance

logger = logging.getLogger(__name__)


def notifications_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep. Safe to run twice at once: planning is serialised per event, claiming
    skips the rows another sweep holds, and sending re-checks every row. Enqueues the send
    tasks after the claim commits. An event or publication whose planning fails for any
    reason but a transient one (database, network) is logged and left for the next sweep;
    the others are planned and claimed as usual. Returns counts of what it did."""
    now = now or timezone.now()
    counts = {"planned": 0, "publications": 0, "missed": 0, "claimed": 0, "webhooks": 0}
    for event in Event.objects.filter(end_date__gte=(now - LOOKBACK).date()):
        try:
            counts["planned"] += planning_advance(event=event, now=now)
        except TRANSIENT:
            raise
        except Exception:  # one event's bad data must not hold back every other event's messages
            logger.exception("sweep: planning event %s failed; the other events go on", event.pk)
    counts["publications"] = _unplanned_publications(now)
    counts["missed"] = reminders_miss(now=now)
    counts["claimed"] = notifications_claim(now=now)
    counts["webhooks"] = webhook_deliveries_enqueue_due(now=now)
    sweep_finished(name=NOTIFICATIONS_SWEEP, at=timezone.now())
    logger.info("sweep: %s", counts)
    return counts


def sweep_finished(*, name: str, at: dt.datetime) -> SweepRun:
    """Record that the sweep ``name`` finished at ``at`` (what ``/health/`` reads of beat)."""
    run, _created = SweepRun.objects.update_or_create(name=name, defaults={"finished_at": at})
    return run


def _unplanned_publications(now: dt.datetime) -> int:
    """Publications whose planning task never ran (the broker was down as they were made)."""
    planned = PublicationNotice.objects.values("version_id")
    versions = ScheduleVersion.objects.filter(published_at__gte=now - LOOKBACK).exclude(pk__in=planned)
    count = 0
    for version in versions.select_related("event").order_by("published_at"):
        try:
            publication_plan(version=version, now=now)
        except TRANSIENT:
            raise
        except Exception:  # as in planning: the other publications go on
            logger.exception("sweep: planning publication %s failed; the others go on", version.pk)
            continue
        count += 1
    return count


def reminders_miss(*, now: dt.datetime) -> int:
    """Reminders still waiting when the session they announce has begun: never sent now."""
    return Notification.objects.filter(
        kind=NotificationKind.REMINDER, status=NotificationStatus.PENDING, session_start__lte=now
    ).update(status=NotificationStatus.MISSED, detail="the session had begun")


def notifications_claim(*, now: dt.datetime, limit: int | None = None) -> int:
    """Claim due rows, and rows claimed over a lease ago and never sent (their worker died
    or their task was lost with the broker), then enqueue them in batches after commit.

    Set-based: one UPDATE marks them all (the rows another sweep holds are skipped, ``SKIP
    LOCKED`` on PostgreSQL) and one SELECT reads back their ids, in due order, for the
    batches; however many are due."""
    lease = now - dt.timedelta(minutes=settings.NOTIFICATION_LEASE_MINUTES)
    due = Q(status=NotificationStatus.PENDING, due_at__lte=now) | Q(
        status=NotificationStatus.QUEUED, claimed_at__lt=lease
    )
    with transaction.atomic():
        claimable = Notification.objects.filter(due).order_by("due_at", "pk").select_for_update(skip_locked=True)
        Notification.objects.filter(pk__in=claimable.values("pk")[:limit]).update(
            status=NotificationStatus.QUEUED, claimed_at=now, attempts=F("attempts") + 1
        )
        # The claim's instant is this sweep's mark: a sender's take renews it to its own.
        ids = list(
            Notification.objects.filter(status=NotificationStatus.QUEUED, claimed_at=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        size = settings.NOTIFICATION_BATCH_SIZE
        batches = [ids[start : start + size] for start in range(0, len(ids), size)]
        transaction.on_commit(lambda: _enqueue(batches))
    return len(ids)


def _enqueue(batches: list[list[int]]) -> None:
    for number, batch in enumerate(batches):
        try:
            task_notifications_send.delay(batch)
        except OperationalError:
            # The rows stay claimed; once their lease has passed, a sweep claims them again.
            logger.warning("broker unreachable; %s batches wait for the lease to pass", len(batches) - number)
            return
