from __future__ import annotations

from celery import shared_task

from apps.events.models import Event

from .services import feed_fragments_render


@shared_task(
    name="gaplanner.feeds.render_event",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def task_feeds_render_event(event_id: int) -> int:
    """Render the fragments of an event's published sessions (after a publication)."""
    event = Event.objects.filter(pk=event_id).first()
    return feed_fragments_render(event=event) if event else 0
