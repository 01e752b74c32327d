"""Text stored without validation (a bulk update, rows from before the rules) never stops a
batch of messages: a subject stays on one line, and one row that cannot be sent is marked
failed with its reason while the others go out (docs/decisions/018-bounded-clean-text.md)."""

import pytest

from apps.delegations.models import Participant
from apps.events.models import Event
from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification, ReminderPreference
from apps.programme.models import Session
from tests.factories import EventFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

RLO, PDF = "\u202e", "\u202c"


def reminders(lead_minutes: int) -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(kind=NotificationKind.REMINDER, lead_minutes=lead_minutes)
    return [(r.participant.email, r.status, r.detail) for r in rows.order_by("participant__email")]


def test_a_title_stored_on_two_lines_makes_a_one_line_subject(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    sweep("2025-11-24T07:30:00+00:00")
    Session.objects.filter(code="OPEN").update(
        title={"en": f"Opening\r\nBcc: everyone@example.org {RLO}VIP", "fr": "Cérémonie\nd'ouverture"}
    )

    sent = sweep("2025-11-24T07:45:00+00:00", "reminder")

    assert sorted((m.to[0], m.subject) for m in sent) == [
        ("amina@example.org", f"Reminder: Opening Bcc: everyone@example.org {RLO}VIP{PDF}, in 15 minutes"),
        ("karim@example.org", "Rappel : Cérémonie d'ouverture, dans 15 minutes"),
    ]
    assert {status for _email, status, _detail in reminders(15)} == {NotificationStatus.SENT}


def test_one_row_that_cannot_be_sent_is_failed_with_its_reason_and_the_batch_goes_on(assembly, publish_planned, sweep):
    event, head, _delegate, _opening = assembly
    publish_planned(event)
    sweep("2025-11-24T07:30:00+00:00")
    Participant.objects.filter(pk=head.pk).update(email="amina@example.org\nBcc: everyone@example.org")

    sent = sweep("2025-11-24T07:45:00+00:00", "reminder")

    assert [m.to for m in sent] == [["karim@example.org"]]
    assert reminders(15) == [
        (
            "amina@example.org\nBcc: everyone@example.org",
            NotificationStatus.FAILED,
            "BadHeaderError: Header values can't contain newlines "
            "(got 'amina@example.org\\nBcc: everyone@example.org' for header 'To')",
        ),
        ("karim@example.org", NotificationStatus.SENT, ""),
    ]


def test_an_event_whose_planning_fails_holds_back_no_other_events_reminders(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly
    broken = EventFactory()
    ReminderPreference.objects.create(participant=ParticipantFactory(event=broken), digest_hour=18)
    Event.objects.filter(pk=broken.pk).update(timezone="Mars/Olympus")
    publish_planned(event)

    sweep("2025-11-24T07:30:00+00:00")
    sent = sweep("2025-11-24T07:45:00+00:00", "reminder")

    assert sorted(m.to[0] for m in sent) == ["amina@example.org", "karim@example.org"]
    assert Notification.objects.filter(event=broken).count() == 0
