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
