"""Reminders and change notices follow the agenda: sessions for every participant, and the
sessions a participant added to their own agenda."""

import datetime as dt

import pytest

from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.notifications.enums import NotificationKind
from apps.notifications.models import Notification
from apps.notifications.services.notices import CANCELLED, MOVED, changes_for
from apps.notifications.services.planning import planning_advance, reminders_plan
from apps.programme.enums import SessionKind
from apps.programme.services import agenda_add, session_cancel, session_save
from tests.factories import ParticipantFactory, SessionFactory

pytestmark = pytest.mark.django_db
CASABLANCA = dt.timezone(dt.timedelta(hours=1))


def local(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 11, 24, hour, minute, tzinfo=CASABLANCA)


@pytest.fixture
def agenda(assembly, publish_planned):
    """The assembly, plus a plenary for every participant at 11:00, a side event with no
    audience at 13:00 that Karim added to his agenda, and Lena of another delegation."""
    event, _head, delegate, opening = assembly
    ParticipantFactory(event=event, delegation__country="FR", first_name="Lena", email="lena@example.org")
    plenary = SessionFactory(
        event=event, code="PLEN", room=opening.room, start=local(11), end=local(12), for_everyone=True
    )
    side = SessionFactory(
        event=event, code="SIDE", kind=SessionKind.SIDE_EVENT, room=opening.room, start=local(13), end=local(14)
    )
    publish_planned(event)
    karim = Participant.objects.select_related("delegation").get(pk=delegate.pk)
    agenda_add(principal=Principal(event=event, participant=karim), code="SIDE")
    return event, karim, plenary, side


def _reminders() -> set[tuple[str, str, int]]:
    rows = Notification.objects.filter(kind=NotificationKind.REMINDER)
    return set(rows.values_list("participant__email", "session_code", "lead_minutes"))


def test_reminders_are_planned_for_everyone_at_a_plenary_and_for_who_added_a_side_event(agenda):
    event, _karim, _plenary, _side = agenda

    reminders_plan(event=event, due_until=local(23))

    expected = {
        ("amina@example.org", "OPEN"),
        ("karim@example.org", "OPEN"),
        ("amina@example.org", "PLEN"),
        ("karim@example.org", "PLEN"),
        ("lena@example.org", "PLEN"),
        ("karim@example.org", "SIDE"),
    }
    assert _reminders() == {(email, code, lead) for email, code in expected for lead in (1440, 15)}


def test_a_session_added_after_planning_gets_its_reminder_at_once(
    assembly, publish_planned, time_machine, django_capture_on_commit_callbacks
):
    event, _head, delegate, opening = assembly
    SessionFactory(event=event, code="SIDE", room=opening.room, start=local(13), end=local(14))
    publish_planned(event)
    now = dt.datetime(2025, 11, 24, 11, 30, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)
    planning_advance(event=event, now=now)
    before = _reminders()

    with django_capture_on_commit_callbacks(execute=True):
        agenda_add(principal=Principal(event=event, participant=delegate), code="SIDE")

    assert ("karim@example.org", "SIDE", 15) not in before
    assert _reminders() - before == {("karim@example.org", "SIDE", 15)}


def test_cancelling_a_side_event_tells_who_added_it_and_moving_a_plenary_tells_everyone(
    agenda, publish_planned, time_machine
):
    event, karim, plenary, side = agenda
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False)
    session_cancel(session=side)
    session_save(session=plenary, data={"start": local(15), "end": local(16)})

    version = publish_planned(event)

    notices = Notification.objects.filter(kind=NotificationKind.CHANGES)
    assert sorted(notices.values_list("participant__email", flat=True)) == [
        "amina@example.org",
        "karim@example.org",
        "lena@example.org",
    ]
    assert [(c.kind, c.code) for c in changes_for(participant=karim, versions=[version])] == [
        (CANCELLED, "SIDE"),
        (MOVED, "PLEN"),
    ]
    lena = Participant.objects.get(email="lena@example.org")
    assert [(c.kind, c.code) for c in changes_for(participant=lena, versions=[version])] == [(MOVED, "PLEN")]
