"""What feeds do when registrations change."""

import pytest
from django.db import transaction

from apps.feeds import cache as feed_cache
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_participant_deleted_in_a_transaction_renews_the_events_feeds(event, django_capture_on_commit_callbacks):
    participant = ParticipantFactory(event=event)
    generation = feed_cache.generation(event.slug)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        participant.delete()

    assert len(callbacks) == 1
    assert feed_cache.generation(event.slug) != generation


def test_participant_saved_renews_the_events_feeds(event, django_capture_on_commit_callbacks):
    participant = ParticipantFactory(event=event)
    generation = feed_cache.generation(event.slug)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        participant.role = "adviser"
        participant.save()

    assert len(callbacks) == 1
    assert feed_cache.generation(event.slug) != generation


def test_a_publication_with_the_broker_down_succeeds_and_feeds_show_it(
    personas, monkeypatch, caplog, client, django_capture_on_commit_callbacks
):
    """The broker is the edge here: the tasks' ``delay`` raises as kombu does when Redis is
    down. The version is committed, the answer is 201, and the public feed, built from the
    database, holds the session; the notices wait for the sweep."""
    from kombu.exceptions import OperationalError
    from rest_framework.test import APIClient

    from apps.feeds.tasks import task_feeds_render_event
    from apps.notifications.tasks import task_publication_plan
    from apps.programme.models import ScheduleVersion
    from tests.factories import SessionFactory

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(task_feeds_render_event, "delay", broker_down)
    monkeypatch.setattr(task_publication_plan, "delay", broker_down)
    SessionFactory(event=personas.event, code="PL-01", for_everyone=True)
    api = APIClient()
    api.force_authenticate(personas.organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/events/ga-2025/publish/", {"confirm_warnings": True}, format="json")

    assert response.status_code == 201, response.content
    assert ScheduleVersion.objects.filter(event=personas.event, number=1).exists()
    feed = client.get("/events/ga-2025/feeds/public.ics")
    assert feed.status_code == 200
    assert b"PL-01" in feed.content
    assert {r.name for r in caplog.records if "broker unreachable" in r.getMessage()} == {
        "apps.feeds.receivers",
        "apps.notifications.receivers",
    }
