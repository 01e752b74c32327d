"""The agenda: who is expected (every participant, every member delegation, the listed
audience) plus the sessions a participant added themself, through the one selector and the
``me/agenda`` API."""

import datetime as dt

import pytest

from apps.delegations.enums import DelegationKind, Role
from apps.delegations.models import Participant
from apps.delegations.selectors import Principal
from apps.programme.enums import SessionKind, SessionStatus, Visibility
from apps.programme.errors import AgendaSessionNotFound
from apps.programme.models import AgendaChoice, Session
from apps.programme.selectors import sessions_expecting, sessions_of_delegation, state_visible_to
from apps.programme.services import agenda_add, session_cancel, session_save
from tests.factories import CASABLANCA, DelegationFactory, ParticipantFactory, RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 11, 23 + day, hour, 0, tzinfo=CASABLANCA)


@pytest.fixture
def assembly(personas, publish):
    """Published: the opening for everyone, a meeting of the member delegations, a public
    side event with no audience, a meeting restricted to France and a bilateral of Morocco's.
    An observer delegation has one participant."""
    event = personas.event
    room = RoomFactory(venue__event=event, name="Plenary Hall")
    morocco = Participant.objects.get(user=personas.delegate).delegation
    france = Participant.objects.get(user=personas.outsider).delegation
    SessionFactory(event=event, room=room, code="GA-OPEN", kind=SessionKind.CEREMONY, for_everyone=True)
    SessionFactory(event=event, room=room, code="MEMBERS", start=at(1, 11), end=at(1, 12), for_member_delegations=True)
    SessionFactory(event=event, room=room, code="SIDE-1", kind=SessionKind.SIDE_EVENT, start=at(1, 13), end=at(1, 14))
    SessionFactory(
        event=event,
        room=room,
        code="FR-ONLY",
        start=at(1, 15),
        end=at(1, 16),
        visibility=Visibility.RESTRICTED,
        audience={"delegations": [france]},
    )
    SessionFactory(
        event=event,
        room=room,
        code="BILAT",
        kind=SessionKind.BILATERAL,
        start=at(1, 17),
        end=at(1, 18),
        visibility=Visibility.RESTRICTED,
        audience={"delegations": [morocco]},
    )
    un = DelegationFactory(event=event, kind=DelegationKind.OBSERVER, country="", organisation={"en": "UNODC"})
    ParticipantFactory(event=event, delegation=un, role=Role.OBSERVER, email="observer@example.org")
    publish(event)
    return event


def _principal(event, user=None, email=None) -> Principal:
    participant = Participant.objects.select_related("delegation").get(
        **({"user": user} if user is not None else {"email": email})
    )
    return Principal(event=event, participant=participant)


def _codes(sessions) -> set[str]:
    return set(sessions.values_list("code", flat=True))


def _republish(event, publish, code: str, **data) -> None:
    session = Session.objects.working().get(event=event, code=code)
    if data.pop("cancel", False):
        session_cancel(session=session)
    if data:
        session_save(session=session, data=data)
    publish(event)


def test_agenda_holds_sessions_for_everyone_and_for_member_delegations(assembly, personas):
    delegate = _principal(assembly, personas.delegate)
    observer = _principal(assembly, email="observer@example.org")

    assert (_codes(sessions_expecting(delegate)), _codes(sessions_expecting(observer))) == (
        {"GA-OPEN", "MEMBERS", "BILAT"},
        {"GA-OPEN"},
    )


def test_a_session_added_is_in_the_agenda_and_follows_its_moves(assembly, personas, publish):
    delegate = _principal(assembly, personas.delegate)

    agenda_add(principal=delegate, code="SIDE-1")
    _republish(assembly, publish, "SIDE-1", start=at(2, 13), end=at(2, 14))

    assert _codes(sessions_expecting(delegate)) == {"GA-OPEN", "MEMBERS", "BILAT", "SIDE-1"}
    assert sessions_expecting(delegate).get(code="SIDE-1").start == at(2, 13)


def test_a_session_added_leaves_the_agenda_when_cancelled_and_the_choice_is_kept(assembly, personas, publish):
    delegate = _principal(assembly, personas.delegate)
    agenda_add(principal=delegate, code="SIDE-1")

    _republish(assembly, publish, "SIDE-1", cancel=True)

    assert _codes(sessions_expecting(delegate)) == {"GA-OPEN", "MEMBERS", "BILAT"}
    assert list(AgendaChoice.objects.values_list("code", flat=True)) == ["SIDE-1"]


def test_a_session_added_leaves_the_agenda_when_closed_to_them(assembly, personas, publish):
    delegate = _principal(assembly, personas.delegate)
    france = Participant.objects.get(user=personas.outsider).delegation
    agenda_add(principal=delegate, code="SIDE-1")

    _republish(assembly, publish, "SIDE-1", visibility=Visibility.RESTRICTED, delegations=[france])

    assert _codes(sessions_expecting(delegate)) == {"GA-OPEN", "MEMBERS", "BILAT"}


def test_a_session_they_may_not_see_cannot_be_added(assembly, personas):
    delegate = _principal(assembly, personas.delegate)

    with pytest.raises(AgendaSessionNotFound):
        agenda_add(principal=delegate, code="FR-ONLY")

    assert AgendaChoice.objects.count() == 0


def test_delegation_agenda_holds_everyones_sessions_and_those_its_members_added(assembly, personas):
    delegate = _principal(assembly, personas.delegate)
    agenda_add(principal=delegate, code="SIDE-1")
    observers = Participant.objects.get(email="observer@example.org").delegation

    assert _codes(sessions_of_delegation(delegation=delegate.participant.delegation)) == {
        "GA-OPEN",
        "MEMBERS",
        "BILAT",
        "SIDE-1",
    }
    assert _codes(sessions_of_delegation(delegation=observers)) == {"GA-OPEN"}


def test_a_restricted_state_for_everyone_is_seen_by_every_participant_only(assembly, personas):
    state = {"status": SessionStatus.CONFIRMED, "visibility": Visibility.RESTRICTED, "for_everyone": True}

    assert state_visible_to(_principal(assembly, personas.outsider), state) is True
    assert state_visible_to(Principal(event=assembly), state) is False


# --- me/agenda ------------------------------------------------------------------------------

AGENDA = "/api/v1/events/ga-2025/me/agenda/"


def _listed(api) -> list[str]:
    response = api.get(AGENDA)
    assert response.status_code == 200
    return [s["code"] for s in response.json()["results"]]


def test_api_agenda_lists_the_assembly_and_adds_a_side_event(api, assembly, personas):
    api.force_authenticate(personas.delegate)

    before = _listed(api)
    response = api.post(AGENDA, {"session": "SIDE-1"}, format="json")

    assert before == ["GA-OPEN", "MEMBERS", "BILAT"]
    assert (response.status_code, response.json()["code"], response.json()["for_everyone"]) == (201, "SIDE-1", False)
    assert _listed(api) == ["GA-OPEN", "MEMBERS", "SIDE-1", "BILAT"]


def test_api_agenda_refuses_a_session_hidden_from_the_caller_as_not_found(api, assembly, personas):
    api.force_authenticate(personas.delegate)
    before = _listed(api)

    response = api.post(AGENDA, {"session": "FR-ONLY"}, format="json")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert not AgendaChoice.objects.exists()
    assert _listed(api) == before == ["GA-OPEN", "MEMBERS", "BILAT"]


def test_api_agenda_refuses_a_cancelled_session(api, assembly, personas, publish):
    _republish(assembly, publish, "SIDE-1", cancel=True)
    api.force_authenticate(personas.delegate)
    before = _listed(api)

    response = api.post(AGENDA, {"session": "SIDE-1"}, format="json")

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "The session is cancelled: it cannot be added to an agenda.", "conflicts": []},
    )
    assert not AgendaChoice.objects.exists()
    assert _listed(api) == before


def test_api_agenda_removes_a_session_added_but_not_one_the_audience_expects(api, assembly, personas):
    api.force_authenticate(personas.delegate)
    api.post(AGENDA, {"session": "SIDE-1"}, format="json")

    removed = api.delete(f"{AGENDA}SIDE-1/")
    expected = api.delete(f"{AGENDA}GA-OPEN/")
    unknown = api.delete(f"{AGENDA}FR-ONLY/")

    assert (removed.status_code, removed.content) == (204, b"")
    assert (expected.status_code, expected.json()) == (
        409,
        {
            "detail": "You are expected at this session (its audience includes you): it stays in your agenda. "
            "Only sessions you added yourself can be removed.",
            "conflicts": [],
        },
    )
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not found."})
    assert _listed(api) == ["GA-OPEN", "MEMBERS", "BILAT"]


def test_api_agenda_rejects_a_body_without_a_session(api, assembly, personas):
    api.force_authenticate(personas.delegate)

    response = api.post(AGENDA, {}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"session": ["This field is required."]}},
    )
    assert not AgendaChoice.objects.exists()


def test_api_session_exposes_and_accepts_the_audience_flags(api, assembly, personas):
    api.force_authenticate(personas.organizer)

    response = api.patch("/api/v1/events/ga-2025/sessions/SIDE-1/", {"for_member_delegations": True}, format="json")

    assert response.status_code == 200
    assert (response.json()["for_everyone"], response.json()["for_member_delegations"]) == (False, True)
    stored = Session.objects.working().get(code="SIDE-1")
    assert (stored.for_everyone, stored.for_member_delegations) == (False, True)
