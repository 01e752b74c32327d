"""Feeds follow the programme: a publication renews the event's feeds and renders the
changed sessions' fragments on the ``feeds`` queue; a registration change renews them, once
for a whole import."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from kombu.exceptions import OperationalError

from apps.delegations.models import Participant
from apps.delegations.signals import in_bulk_save, participants_bulk_saved
from apps.programme.signals import agenda_changed, schedule_published

from .services import event_feeds_changed, participants_changed
from .tasks import task_feeds_render_event

logger = logging.getLogger(__name__)


@receiver(schedule_published, dispatch_uid="feeds-on-publish")
def on_publish(sender: Any, event: Any, version: Any, **kwargs: Any) -> None:
    event_feeds_changed(event_slug=event.slug)
    # Sent after commit: the publication has succeeded and must not fail now. Rendering only
    # warms the caches; with the broker down, each feed is built from the database when asked.
    try:
        task_feeds_render_event.delay(event.pk)
    except OperationalError:
        logger.warning("broker unreachable; the feeds of event %s render when asked", event.pk)


@receiver([post_save, post_delete], sender=Participant, dispatch_uid="feeds-on-participant")
def on_participant(sender: Any, instance: Participant, **kwargs: Any) -> None:
    if in_bulk_save():
        return  # on_participants_bulk_saved renews the event's feeds once for all of them
    # Ids read now: after a delete the instance has lost its primary key by commit time.
    event_id, participant_id = instance.event_id, instance.pk
    transaction.on_commit(lambda: participants_changed(event_id=event_id, participant_ids=[participant_id]))


@receiver(participants_bulk_saved, dispatch_uid="feeds-on-participants-bulk-saved")
def on_participants_bulk_saved(sender: Any, event: Any, participant_ids: list[int], **kwargs: Any) -> None:
    event_id = event.pk
    transaction.on_commit(lambda: participants_changed(event_id=event_id, participant_ids=participant_ids))


@receiver(agenda_changed, dispatch_uid="feeds-on-agenda-changed")
def on_agenda_changed(sender: Any, participant: Participant, code: str, **kwargs: Any) -> None:
    # The participant's feed and their delegation's hold one session more or fewer.
    event_feeds_changed(event_slug=participant.event.slug)
