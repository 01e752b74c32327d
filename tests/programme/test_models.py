import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.programme.models import Session
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _errors(session: Session) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    return error.value.message_dict


def test_session_ending_before_it_starts_is_refused_on_end():
    session = SessionFactory.build(event=EventFactory(), room=None)
    session.end = session.start - dt.timedelta(minutes=30)

    assert _errors(session) == {"end": ["A session must end after it starts."]}


def test_session_of_zero_duration_is_refused():
    session = SessionFactory.build(event=EventFactory(), room=None)
    session.end = session.start

    assert "end" in _errors(session)


def test_session_outside_the_event_days_is_refused():
    session = SessionFactory.build(
        event=EventFactory(),
        room=None,
        start=dt.datetime(2025, 11, 28, 9, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 28, 10, 0, tzinfo=CASABLANCA),
    )

    assert _errors(session) == {
        "start": ["The session must take place within the event's days (2025-11-24 to 2025-11-27)."]
    }


def test_session_ending_at_midnight_of_the_last_day_is_inside():
    session = SessionFactory.build(
        event=EventFactory(),
        room=None,
        start=dt.datetime(2025, 11, 27, 22, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 28, 0, 0, tzinfo=CASABLANCA),
    )

    session.full_clean()


def test_session_days_are_local_days_not_utc_days():
    # 00:30 in Marrakech on the first day is 23:30 UTC the day before: still inside.
    session = SessionFactory.build(
        event=EventFactory(),
        room=None,
        start=dt.datetime(2025, 11, 24, 0, 30, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 1, 30, tzinfo=CASABLANCA),
    )

    session.full_clean()


def test_session_in_a_room_of_another_event_is_refused():
    event = EventFactory()
    session = SessionFactory.build(event=event, room=RoomFactory())

    assert _errors(session) == {"room": ["The room belongs to another event."]}


def test_session_code_is_generated_and_never_changes():
    session = SessionFactory(code="")
    generated = session.code
    session.code = "RENAMED"

    assert len(generated) == 6
    assert _errors(session) == {"code": ["A session's code never changes."]}


def test_database_refuses_end_before_start_even_without_validation():
    session = SessionFactory.build(event=EventFactory(), room=None)
    session.end = session.start - dt.timedelta(hours=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_audience_roles_are_checked():
    session = SessionFactory.build(event=EventFactory(), room=None, roles=["head", "king"])

    assert _errors(session) == {
        "roles": ["Enter a list of roles among: head, alternate, delegate, adviser, observer, interpreter, liaison."]
    }
