import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from apps.notifications.enums import NotificationKind, NotificationStatus
from apps.notifications.models import Notification
from apps.notifications.services.notices import publication_plan
from apps.programme.models import ScheduleVersion, Session
from apps.programme.services import demo_accounts_ensure
from tests.factories import EventFactory


def test_the_demo_publishes_a_session_soon_with_a_reminder_planned(db, settings, time_machine, capsys):
    settings.DEMO_MODE = True
    time_machine.move_to(dt.datetime(2026, 11, 29, 10, 0, 30, tzinfo=dt.UTC), tick=False)
    demo_accounts_ensure(event=EventFactory(slug="interpol-ga-2025"))

    call_command("reminder_demo", minutes=5, lead=2)
    publication_plan(version=ScheduleVersion.objects.get(event__slug="reminder-demo"))  # the worker's part

    session = Session.objects.published().get(event__slug="reminder-demo", code="DEMO")
    assert session.start == dt.datetime(2026, 11, 29, 10, 5, tzinfo=dt.UTC)
    row = Notification.objects.get(kind=NotificationKind.REMINDER)
    assert (row.lead_minutes, row.due_at, row.status) == (
        2,
        dt.datetime(2026, 11, 29, 10, 3, tzinfo=dt.UTC),
        NotificationStatus.PENDING,
    )
    assert "the reminder to delegate" in capsys.readouterr().out


def test_the_demo_refuses_to_run_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("reminder_demo")
