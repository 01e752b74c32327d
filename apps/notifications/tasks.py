"""Thin tasks: ids in, one service call, the retry policy. Every one may run twice."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from apps.programme.models import ScheduleVersion

# Errors that pass: a database restarting, an SMTP server or network away for a while.
TRANSIENT = (DatabaseError, SMTPException, OSError)
RETRY = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="gaplanner.notifications.sweep", **RETRY)
def task_notifications_sweep() -> dict[str, int]:
    """Every minute (beat): plan, claim what is due, hand it to senders, retry webhooks."""
    from .services.sweep import notifications_sweep

    return notifications_sweep()


@shared_task(name="gaplanner.notifications.publication_plan", **RETRY)
def task_publication_plan(version_id: int) -> int:
    """After a publication: change notices, reminders of the changed sessions, webhooks."""
    from .services.notices import publication_plan

    version = ScheduleVersion.objects.select_related("event").filter(pk=version_id).first()
    return publication_plan(version=version) if version else 0


@shared_task(name="gaplanner.notifications.send", **RETRY)
def task_notifications_send(notification_ids: list[int]) -> int:
    """Send claimed notifications; a row already sent (by an earlier try) is left alone."""
    from .services.sending import notifications_send

    return notifications_send(notification_ids=notification_ids)


@shared_task(name="gaplanner.notifications.webhook_deliver", **RETRY)
def task_webhook_deliver(delivery_id: int) -> str:
    """One attempt at a webhook delivery; a failed attempt schedules the next on the row."""
    from .models import WebhookDelivery
    from .webhooks.services import webhook_deliver

    try:
        return webhook_deliver(delivery_id=delivery_id).status
    except WebhookDelivery.DoesNotExist:
        return "gone"  # its endpoint was deleted since the task was queued
