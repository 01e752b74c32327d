"""Schemathesis over the whole published schema, in-process against the WSGI app: no answer
is a server error, and every answer is one the schema documents (status, content type,
headers, body), for an anonymous caller and for an organizer of the event."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.services import api_token_create
from apps.notifications.models import WebhookDelivery, WebhookEndpoint
from gaplanner.wsgi import application
from tests.factories import (
    DelegationFactory,
    EventFactory,
    ParticipantFactory,
    RoomFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)

EVENT_SLUG = "ga-2025"
SESSION_CODE = "GA-PLENARY-1"
# Every seeded row has this id, so an `{id}` drawn from the dictionary names a real one.
SEEDED_ID = 4242

# Requests under /events/{event_slug}/ all go to the seeded event, and ids, codes and filters
# name seeded rows part of the time: else nearly every request would stop at a 404 before
# reaching the serializers. Unknown slugs and ids are still sent (`{slug}`, `{id}`, `{code}`).
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {
            "events": {"values": [EVENT_SLUG]},
            "ids": {"values": [SEEDED_ID]},
            "sessions": {"values": [SESSION_CODE]},
        },
        "parameters": {
            "path.event_slug": EVENT_SLUG,
            "path.slug": {"dictionary": "events", "probability": 0.7},
            "path.id": {"dictionary": "ids", "probability": 0.7},
            "path.code": {"dictionary": "sessions", "probability": 0.7},
            "path.webhook_id": {"dictionary": "ids", "probability": 0.7},
            "query.delegation": {"dictionary": "ids", "probability": 0.5},
            "query.participant": {"dictionary": "ids", "probability": 0.5},
            "query.venue": {"dictionary": "ids", "probability": 0.5},
            "query.room": {"dictionary": "ids", "probability": 0.5},
        },
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Loaded when the module is collected (the schema view reads no rows). The fixture-based loader,
# schemathesis.pytest.from_fixture, fails under pytest 9.2: it sets `Function._nodeid`, gone there.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture
def _app_keeps_test_connection():
    """The WSGI app closes the database connection after each request; that one holds the
    test's transaction. Django's test client does the same to keep it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def organizer(db, _app_keeps_test_connection):
    """The event with one of each resource, all with the id ``SEEDED_ID``, and its organizer."""
    event = EventFactory(slug=EVENT_SLUG)
    user = UserFactory(username="organizer")
    event.organizers.add(user)
    room = RoomFactory(id=SEEDED_ID, venue=VenueFactory(id=SEEDED_ID, event=event))
    SessionFactory(event=event, room=room, code=SESSION_CODE)
    delegation = DelegationFactory(id=SEEDED_ID, event=event)
    ParticipantFactory(id=SEEDED_ID, event=event, delegation=delegation)
    webhook = WebhookEndpoint.objects.create(
        id=SEEDED_ID, event=event, url="https://93.184.215.14/hooks", topics=["session.changed"]
    )
    WebhookDelivery.objects.create(
        id=SEEDED_ID, endpoint=webhook, topic="session.changed", key="v1:X", payload={}, status="failed"
    )
    return user


@pytest.fixture
def organizer_token(organizer) -> str:
    _, token = api_token_create(user=organizer, name="schemathesis")
    return token


def _call_and_validate(case: schemathesis.Case, headers: dict[str, str] | None = None) -> None:
    """One request, then its writes undone: every example starts from the seeded data, and
    from fresh cache keys (throttle counts): the fuzzer is faster than any client."""
    cache.key_prefix = f"schemathesis-{uuid.uuid4().hex}"
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.set_rollback(True)


@schema.parametrize()
@FUZZ
def test_api_answers_as_documented_for_anonymous(case, organizer):
    _call_and_validate(case)


@schema.parametrize()
@FUZZ
def test_api_answers_as_documented_for_organizer(case, organizer_token):
    _call_and_validate(case, headers={"Authorization": f"Token {organizer_token}"})
