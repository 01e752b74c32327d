import datetime as dt

import pytest
from django.db import transaction

from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification, PublicationNotice, ReminderPreference
from apps.programme.enums import SessionStatus
from apps.programme.services import session_cancel, session_save

CASABLANCA = dt.timezone(dt.timedelta(hours=1))


def statuses(**filters):
    rows = Notification.objects.filter(kind=NotificationKind.REMINDER, **filters).order_by("participant__email", "pk")
    return [(r.participant.email, r.lead_minutes, r.status, r.detail) for r in rows]


def test_reminder_is_sent_once_when_due(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)

    early = sweep("2025-11-24T07:30:00+00:00")
    due = sweep("2025-11-24T07:45:00+00:00")
    again = sweep("2025-11-24T07:46:00+00:00")

    assert early == []
    assert sorted(m.to[0] for m in due) == ["amina@example.org", "karim@example.org"]
    [english] = [m for m in due if m.to == ["amina@example.org"]]
    assert english.subject == "Reminder: Opening ceremony, in 15 minutes"
    assert "Monday 24 November 2025, 09:00–10:00 (UTC+01:00)" in english.body
    assert "Plenary Hall, Palais des Congrès" in english.body
    assert "http://127.0.0.1:8000/events/ga-2025/sessions/OPEN/" in english.body
    assert english.extra_headers["Message-ID"].startswith("<notification.")
    assert english.alternatives[0][1] == "text/html"
    assert again == []
    assert statuses(lead_minutes=15) == [
        ("amina@example.org", 15, NotificationStatus.SENT, ""),
        ("karim@example.org", 15, NotificationStatus.SENT, ""),
    ]


def test_a_reminder_planned_before_a_move_sends_nothing_and_the_new_time_sends_once(assembly, publish_planned, sweep):
    event, _head, _delegate, opening = assembly
    publish_planned(event)
    sweep("2025-11-24T07:30:00+00:00")  # the 07:45 reminders are planned
    assert len(statuses(lead_minutes=15, status=NotificationStatus.PENDING)) == 2

    session_save(
        session=opening,
        data={
            "start": dt.datetime(2025, 11, 24, 10, 0, tzinfo=CASABLANCA),
            "end": dt.datetime(2025, 11, 24, 11, 0, tzinfo=CASABLANCA),
        },
    )
    publish_planned(event)
    at_old_time = sweep("2025-11-24T07:45:00+00:00", "reminder")
    at_new_time = sweep("2025-11-24T08:45:00+00:00", "reminder")

    assert at_old_time == []
    assert sorted(m.to[0] for m in at_new_time) == ["amina@example.org", "karim@example.org"]
    assert "10:00–11:00 (UTC+01:00)" in at_new_time[0].body
    assert sweep("2025-11-24T08:50:00+00:00") == []


@pytest.mark.parametrize("change", ["cancel", "leave audience", "withdraw"])
def test_a_reminder_that_no_longer_holds_is_skipped(assembly, publish_planned, sweep, change):
    event, head, delegate, opening = assembly
    publish_planned(event)
    sweep("2025-11-24T07:30:00+00:00")

    if change == "cancel":
        session_cancel(session=opening)
        publish_planned(event)
    elif change == "leave audience":
        session_save(session=opening, data={"delegations": [], "participants": [head]})
        publish_planned(event)
    else:
        delegate.is_active = False
        delegate.save()
    sent = sweep("2025-11-24T07:45:00+00:00", "reminder")

    expected = {
        "cancel": [],
        "leave audience": ["amina@example.org"],
        "withdraw": ["amina@example.org"],
    }[change]
    assert [m.to[0] for m in sent] == expected
    assert (
        Notification.objects.filter(participant=delegate, lead_minutes=15, status=NotificationStatus.SENT).count() == 0
    )


def test_a_reminder_still_waiting_when_the_session_begins_is_missed_not_sent(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    sweep("2025-11-24T07:30:00+00:00")

    late = sweep("2025-11-24T08:00:00+00:00")  # the worker was away from 07:30 until the start

    assert late == []
    assert {status for _e, _l, status, _d in statuses(lead_minutes=15)} == {NotificationStatus.MISSED}


def test_a_participant_chooses_lead_times_and_can_turn_reminders_off(assembly, publish_planned, sweep):
    event, head, delegate, _opening = assembly
    ReminderPreference.objects.create(participant=head, lead_minutes=[30])
    ReminderPreference.objects.create(participant=delegate, channels=[])
    publish_planned(event)

    at_30 = sweep("2025-11-24T07:30:00+00:00")
    at_15 = sweep("2025-11-24T07:45:00+00:00")

    assert [(m.to[0], m.subject) for m in at_30] == [("amina@example.org", "Reminder: Opening ceremony, in 30 minutes")]
    assert at_15 == []


def test_the_day_before_reminder_uses_the_event_defaults(assembly, publish_planned, sweep):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)

    sent = sweep("2025-11-23T08:00:00+00:00")

    assert sorted((m.to[0], m.subject) for m in sent) == [
        ("amina@example.org", "Reminder: Opening ceremony, in 1 day"),
        ("karim@example.org", "Rappel : Cérémonie d'ouverture, dans 1 jour"),
    ]


def test_a_publication_rolled_back_enqueues_and_plans_nothing(assembly, django_capture_on_commit_callbacks):
    event, _head, _delegate, _opening = assembly
    from apps.programme.services import schedule_publish

    @transaction.atomic
    def publish_then_fail():
        schedule_publish(event=event, confirm_warnings=True)
        raise RuntimeError("the request failed after publishing")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError, match="after publishing"):
        publish_then_fail()

    assert callbacks == []
    assert not PublicationNotice.objects.exists()
    assert not event.versions.exists()


def test_a_claim_rolled_back_enqueues_nothing(
    assembly, publish_planned, time_machine, django_capture_on_commit_callbacks
):
    event, _head, _delegate, _opening = assembly
    publish_planned(event)
    from apps.notifications.services.sweep import notifications_sweep

    time_machine.move_to(dt.datetime(2025, 11, 24, 7, 45, tzinfo=dt.UTC), tick=False)

    @transaction.atomic
    def sweep_then_fail():
        notifications_sweep()
        raise RuntimeError("the database went away")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError, match="went away"):
        sweep_then_fail()

    assert callbacks == []
    assert not Notification.objects.exists()


def test_cancelled_sessions_get_no_reminder_rows(assembly, publish_planned, sweep):
    event, _head, _delegate, opening = assembly
    opening.status = SessionStatus.CANCELLED
    opening.save()
    publish_planned(event)

    assert sweep("2025-11-24T07:45:00+00:00") == []
    assert not Notification.objects.exists()
