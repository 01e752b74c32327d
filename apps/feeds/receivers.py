"""Feeds follow the programme: a publication renews the event's feeds and renders the
changed sessions' fragments on the ``feeds`` queue; a registration change renews them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.delegations.models import Participant
from apps.programme.signals import schedule_published

from .services import event_feeds_changed, participant_changed
from .tasks import task_feeds_render_event


@receiver(schedule_published, dispatch_uid="feeds-on-publish")
def on_publish(sender: Any, event: Any, version: Any, **kwargs: Any) -> None:
    event_feeds_changed(event_slug=event.slug)
    task_feeds_render_event.delay(event.pk)


@receiver([post_save, post_delete], sender=Participant, dispatch_uid="feeds-on-participant")
def on_participant(sender: Any, instance: Participant, **kwargs: Any) -> None:
    transaction.on_commit(lambda: participant_changed(participant=instance))
