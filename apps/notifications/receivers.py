"""Notifications follow the programme: a publication plans its notices and deliveries."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver
from kombu.exceptions import OperationalError

from apps.programme.signals import schedule_published

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
