"""A publication's feed rendering runs on a real worker, from the ``feeds`` queue."""

import pytest
from django.conf import settings

from apps.feeds.ical import fragments
from apps.feeds.tasks import task_feeds_render_event
from apps.programme.models import Session
from apps.programme.services import schedule_publish
from gaplanner.celery import app
from tests.factories import EventFactory, SessionFactory


def test_feed_rendering_is_routed_to_the_feeds_queue():
    assert app.amqp.router.route({}, task_feeds_render_event.name)["queue"].name == "feeds"


@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_the_published_sessions_fragments(worker):
    event = EventFactory(slug="ga-2025", languages=["en", "fr"])
    SessionFactory(event=event, room=None, code="S-1", title={"en": "Opening", "fr": "Ouverture"})
    schedule_publish(event=event, confirm_warnings=True)

    # The task keeps no result by default; this call asks for one, to wait on it.
    rendered = task_feeds_render_event.apply_async(args=[event.pk], ignore_result=False).get(timeout=60)

    assert rendered == 1
    [copy] = Session.objects.published().filter(event=event)
    [(_key, body)] = fragments([copy], event=event, language="fr", site_url=settings.SITE_URL)
    assert b"SUMMARY:Ouverture" in body
