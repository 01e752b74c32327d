import datetime as dt

import pytest
from django.core import mail

from apps.delegations.enums import Role
from apps.notifications.enums import NotificationStatus
from apps.notifications.models import Notification
from apps.notifications.services.sending import notifications_send
from apps.notifications.services.sweep import notifications_sweep
from tests.factories import DelegationFactory, EventFactory, ParticipantFactory, RoomFactory, SessionFactory

UTC = dt.UTC


@pytest.fixture
def sweep(django_capture_on_commit_callbacks, time_machine):
    """Run the sweep at an instant, then send what it claimed as a worker would (the
    enqueued send tasks are left out: these tests call the service)."""

    def run(at: str, kind: str | None = None) -> list[mail.EmailMessage]:
        time_machine.move_to(dt.datetime.fromisoformat(at), tick=False)
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=False):
            notifications_sweep()
        queued = list(Notification.objects.filter(status=NotificationStatus.QUEUED).values_list("pk", flat=True))
        notifications_send(notification_ids=queued)
        sent = mail.outbox[before:]
        return [m for m in sent if kind is None or m.extra_headers["Message-ID"].endswith(f".{kind}@127.0.0.1>")]

    return run


@pytest.fixture
def assembly(db):
    """An assembly on 24 November 2025 in Marrakech (UTC+01:00), reminders 1 day and 15
    minutes before; a delegation of two, and the opening at 09:00 local (08:00 UTC) for it."""
    event = EventFactory(slug="ga-2025", reminder_lead_minutes=[1440, 15])
    morocco = DelegationFactory(event=event, country="MA")
    head = ParticipantFactory(
        event=event,
        delegation=morocco,
        role=Role.HEAD,
        first_name="Amina",
        last_name="Alaoui",
        email="amina@example.org",
    )
    delegate = ParticipantFactory(
        event=event,
        delegation=morocco,
        first_name="Karim",
        last_name="Bennani",
        email="karim@example.org",
        language="fr",
    )
    room = RoomFactory(venue__event=event, venue__name="Palais des Congrès", name="Plenary Hall")
    opening = SessionFactory(
        event=event,
        code="OPEN",
        room=room,
        title={"en": "Opening ceremony", "fr": "Cérémonie d'ouverture", "ar": "حفل الافتتاح"},
        audience={"delegations": [morocco]},
    )
    return event, head, delegate, opening


@pytest.fixture
def publish_planned(publish):
    """Publish, then plan what the publication sets off, as the worker's task does."""
    from apps.notifications.services.notices import publication_plan

    def run(event, note: str = ""):
        version = publish(event, note)
        publication_plan(version=version)
        return version

    return run
