"""Personas for one event: an organizer, a head of delegation, a delegate of that delegation,
a delegate of another delegation, and anonymous."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from apps.delegations.enums import Role
from tests.factories import (
    CASABLANCA,
    DelegationFactory,
    EventFactory,
    ParticipantFactory,
    RoomFactory,
    SessionFactory,
    UserFactory,
)

# Markers by place (make test-fast leaves them out): the folder or file, its marker.
MARKED = (
    ("tests/e2e/", "e2e"),
    ("tests/integration/", "integration"),
    ("tests/api/test_walkthrough.py", "integration"),
    ("tests/api/test_schemathesis.py", "fuzz"),
)
ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        place = item.path.relative_to(ROOT).as_posix()
        for prefix, marker in MARKED:
            if place.startswith(prefix):
                item.add_marker(marker)


@dataclass
class Personas:
    event: object
    organizer: object
    head: object
    delegate: object
    outsider: object
    anonymous: object


@pytest.fixture
def event(db):
    return EventFactory(slug="ga-2025")


@pytest.fixture
def personas(event) -> Personas:
    organizer = UserFactory(username="organizer")
    event.organizers.add(organizer)
    morocco = DelegationFactory(event=event, country="MA")
    france = DelegationFactory(event=event, country="FR")
    head = ParticipantFactory(event=event, delegation=morocco, role=Role.HEAD, user=UserFactory(username="head"))
    delegate = ParticipantFactory(event=event, delegation=morocco, user=UserFactory(username="delegate"))
    outsider = ParticipantFactory(event=event, delegation=france, user=UserFactory(username="outsider"))
    return Personas(event, organizer, head.user, delegate.user, outsider.user, AnonymousUser())


@pytest.fixture
def organizer_client(client, personas):
    """The organizer, signed in to the admin as staff of the Organizers group."""
    from apps.accounts.groups import organizers_group_ensure

    user = personas.organizer
    user.is_staff = True
    user.save()
    user.groups.add(organizers_group_ensure())
    client.force_login(user)
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Passwords hashed in microseconds: the suite creates hundreds of users."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@contextmanager
def real_worker() -> Iterator[object]:
    """A real Celery worker on the configured broker, consuming every queue, in a thread.

    Packages that need one (tests/integration, tests/e2e) wrap it in a package-scoped
    ``worker`` fixture of their own conftest, so that it stops with their last test: a worker
    left running would take the tasks other tests enqueue, and hold locks while they flush
    the database."""
    from celery.contrib.testing.worker import start_worker

    from gaplanner.celery import QUEUES, app

    app.control.purge()
    # Celery's test worker sets the root logger's level to its own ("error") for the whole
    # process: put it back, or later tests' caplog would see no warning at all.
    root = logging.getLogger()
    level = root.level
    try:
        with start_worker(app, perform_ping_check=False, queues=list(QUEUES)) as running:
            yield running
    finally:
        root.setLevel(level)


@pytest.fixture(autouse=True)
def _language_reset():
    """A request's language (LocaleMiddleware) stays active in the thread: undo it."""
    yield
    translation.deactivate()


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish an event's working schedule, as an organizer would (warnings confirmed), and
    run what waits for the commit (feeds renewed, rendering enqueued)."""
    from apps.programme.services import schedule_publish

    def run(event, note: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return schedule_publish(event=event, note=note, confirm_warnings=True)

    return run


@pytest.fixture(autouse=True)
def _cache_of_its_own():
    """Each test reads and writes its own cache keys (throttle counts, feed bodies), without
    flushing a Redis database that the Celery broker may share."""
    from django.core.cache import cache

    previous = cache.key_prefix
    cache.key_prefix = f"test-{uuid.uuid4().hex}"
    yield
    cache.key_prefix = previous


@pytest.fixture
def plenary(personas):
    """The Plenary Hall (booths en, fr) holding PL-01 at 09:00 and PL-02 (ar, en) at 11:00 on the
    first day, in the working schedule."""
    room = RoomFactory(venue__event=personas.event, name="Plenary Hall", booths=["en", "fr"])
    SessionFactory(event=personas.event, room=room, code="PL-01", title={"en": "Opening"})
    SessionFactory(
        event=personas.event,
        room=room,
        code="PL-02",
        title={"en": "Budget"},
        start=dt.datetime(2025, 11, 24, 11, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 12, 0, tzinfo=CASABLANCA),
        languages=["ar", "en"],
    )
    return room
