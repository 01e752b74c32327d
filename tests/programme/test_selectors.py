import datetime as dt

import pytest

from apps.delegations.models import Participant
from apps.delegations.selectors import principal_for
from apps.programme.enums import SessionStatus, Visibility
from apps.programme.selectors import sessions_on_day, sessions_visible_to
from tests.factories import CASABLANCA, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(personas, publish):
    event = personas.event
    morocco = Participant.objects.get(user=personas.head).delegation
    delegate = Participant.objects.get(user=personas.delegate)
    sessions = {
        "public": SessionFactory(event=event, code="PUBLIC"),
        "draft": SessionFactory(event=event, code="DRAFT", status=SessionStatus.DRAFT),
        "members": SessionFactory(event=event, code="MEMBERS", visibility=Visibility.PARTICIPANTS),
        "heads": SessionFactory(event=event, code="HEADS", visibility=Visibility.RESTRICTED, roles=["head"]),
        "morocco": SessionFactory(
            event=event,
            code="MOROCCO",
            visibility=Visibility.RESTRICTED,
            audience={"delegations": [morocco]},
        ),
        "personal": SessionFactory(
            event=event,
            code="PERSONAL",
            visibility=Visibility.RESTRICTED,
            audience={"participants": [delegate]},
        ),
        "cancelled": SessionFactory(event=event, code="CANCELLED", status=SessionStatus.CANCELLED),
    }
    publish(event)
    return sessions


def _codes(personas, user) -> list[str]:
    principal = principal_for(user=user, event=personas.event)
    return sorted(sessions_visible_to(principal).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("organizer", ["CANCELLED", "DRAFT", "HEADS", "MEMBERS", "MOROCCO", "PERSONAL", "PUBLIC"]),
        ("head", ["CANCELLED", "HEADS", "MEMBERS", "MOROCCO", "PUBLIC"]),
        ("delegate", ["CANCELLED", "MEMBERS", "MOROCCO", "PERSONAL", "PUBLIC"]),
        ("outsider", ["CANCELLED", "MEMBERS", "PUBLIC"]),
        ("anonymous", ["CANCELLED", "PUBLIC"]),
    ],
)
def test_each_persona_sees_what_the_visibility_rule_allows(personas, programme, persona, codes):
    assert _codes(personas, getattr(personas, persona)) == codes


def test_a_withdrawn_participant_sees_only_the_public_programme(personas, programme):
    Participant.objects.filter(user=personas.delegate).update(is_active=False)

    assert _codes(personas, personas.delegate) == ["CANCELLED", "PUBLIC"]


def test_a_restricted_session_matching_twice_is_listed_once(personas, programme, publish):
    head = Participant.objects.get(user=personas.head)
    programme["heads"].delegations.add(head.delegation)
    programme["heads"].participants.add(head)
    publish(personas.event)

    assert _codes(personas, personas.head).count("HEADS") == 1


def test_sessions_on_day_uses_the_event_local_day(personas, publish):
    late = SessionFactory(
        event=personas.event,
        start=dt.datetime(2025, 11, 24, 23, 30, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 25, 0, 30, tzinfo=CASABLANCA),
    )
    early = SessionFactory(
        event=personas.event,
        start=dt.datetime(2025, 11, 25, 0, 30, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 25, 1, 0, tzinfo=CASABLANCA),
    )
    sessions = sessions_visible_to(principal_for(user=personas.anonymous, event=personas.event))
    publish(personas.event)

    first = sessions_on_day(sessions, event=personas.event, day=dt.date(2025, 11, 24)).order_by("start")
    second = sessions_on_day(sessions, event=personas.event, day=dt.date(2025, 11, 25)).order_by("start")

    assert [s.code for s in first] == [late.code]
    assert [s.code for s in second] == [late.code, early.code]
