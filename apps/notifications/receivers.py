"""Notifications follow the programme: a publication plans its notices and deliveries."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.programme.signals import agenda_changed, schedule_published

from .services.planning import reminders_replan
from .tasks import task_publication_plan

logger = logging.getLogger(__name__)


@receiver(schedule_published, dispatch_uid="notifications-on-publish")
def on_publish(sender: Any, event: Any, version: Any, **kwargs: Any) -> None:
    # Sent after commit. With the broker down the version stays unplanned, and the next
    # sweep plans it: the publication itself has succeeded and must not fail now.
    try:
        task_publication_plan.delay(version.pk)
    except OperationalError:
        logger.warning("broker unreachable; the sweep will plan version %s", version.pk)


@receiver(agenda_changed, dispatch_uid="notifications-on-agenda-changed")
def on_agenda_changed(sender: Any, participant: Any, code: str, **kwargs: Any) -> None:
    # A session added inside the stretch the sweep has already planned would get no reminder
    # otherwise; one removed keeps its planned rows, which the send-time check skips.
    reminders_replan(event=participant.event, now=timezone.now(), codes=[code], participant_ids=[participant.pk])
