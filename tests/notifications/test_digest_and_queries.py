import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification, ReminderPreference
from apps.notifications.services.planning import reminders_plan
from apps.notifications.services.sending import notifications_send
from apps.notifications.services.sweep import notifications_claim
from apps.programme.services import session_save
from tests.factories import ParticipantFactory, SessionFactory

CASABLANCA = dt.timezone(dt.timedelta(hours=1))


def test_the_digest_lists_tomorrows_sessions_at_the_chosen_local_hour(assembly, publish_planned, sweep):
    event, head, delegate, opening = assembly
    SessionFactory(
        event=event,
        code="LUNCH",
        room=opening.room,
        title={"en": "Working lunch"},
        start=dt.datetime(2025, 11, 24, 13, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 14, 0, tzinfo=CASABLANCA),
        audience={"participants": [head]},
    )
    ReminderPreference.objects.create(participant=head, digest_hour=18, lead_minutes=[])
    ReminderPreference.objects.create(participant=delegate, digest_hour=7, lead_minutes=[])
    publish_planned(event)

    before = sweep("2025-11-23T16:59:00+00:00", "digest")
    at_six = sweep("2025-11-23T17:00:00+00:00", "digest")

    assert before == []
    [digest] = at_six
    assert (digest.to, digest.subject) == (["amina@example.org"], "Your day tomorrow: Monday 24 November 2025")
    lines = [line.strip() for line in digest.body.splitlines()]
    assert lines[2:10] == [
        "* Opening ceremony",
        "Monday 24 November 2025, 09:00–10:00 (UTC+01:00)",
        "Plenary Hall, Palais des Congrès",
        "http://127.0.0.1:8000/events/ga-2025/sessions/OPEN/",
        "",
        "* Working lunch",
        "Monday 24 November 2025, 13:00–14:00 (UTC+01:00)",
        f"{opening.room.name}, {opening.room.venue.name}",
    ]
    row = Notification.objects.get(participant=head, kind=NotificationKind.DIGEST)
    assert (row.day, row.status) == (dt.date(2025, 11, 24), NotificationStatus.SENT)


def test_no_digest_when_the_day_holds_nothing_for_them(assembly, publish_planned, sweep):
    event, head, _delegate, _opening = assembly
    ReminderPreference.objects.create(participant=head, digest_hour=18, lead_minutes=[])
    publish_planned(event)

    sent = sweep("2025-11-24T17:00:00+00:00", "digest")  # for Tuesday 25, an empty day

    assert sent == []
    row = Notification.objects.get(participant=head, day=dt.date(2025, 11, 25))
    assert row.detail == "nothing on the agenda that day"


def test_leaving_a_sessions_audience_is_a_change_the_participant_is_told(
    assembly, publish_planned, sweep, time_machine
):
    event, head, _delegate, opening = assembly
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)
    publish_planned(event)
    session_save(session=opening, data={"delegations": [], "participants": [head]})
    publish_planned(event)

    [notice] = sweep("2025-11-20T12:10:00+00:00", "changes")

    assert (notice.to, notice.subject) == (
        ["karim@example.org"],
        "Assemblée ga-2025 : 1 modification de votre programme",
    )
    assert "Cérémonie d'ouverture" in notice.body
    assert notice.attachments == []  # nothing left to put in their calendar


def _send_all(now):
    notifications_claim(now=now)
    ids = list(Notification.objects.filter(status=NotificationStatus.QUEUED).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        sent = notifications_send(notification_ids=ids)
    return sent, len(queries)


def test_sending_a_batch_costs_ten_queries_then_one_mark_per_message(
    assembly, publish_planned, time_machine, django_capture_on_commit_callbacks
):
    event, head, _delegate, _opening = assembly
    now = dt.datetime(2025, 11, 24, 7, 45, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)
    publish_planned(event)
    window = {"event": event, "due_after": now - dt.timedelta(minutes=1), "due_until": now}

    reminders_plan(**window)
    with django_capture_on_commit_callbacks():
        two = _send_all(now)
    Notification.objects.all().delete()
    ParticipantFactory.create_batch(2, event=event, delegation=head.delegation)
    reminders_plan(**window)
    with django_capture_on_commit_callbacks():
        four = _send_all(now)

    # The batch is taken in one transaction (here a savepoint within the test's: four
    # queries), then reads its rows, sessions with their audiences, who added them to their
    # agenda and the wishes once (six); each message sent is marked in one statement.
    assert (two, four) == ((2, 10 + 2), (4, 10 + 4))
