"""Participants through the API: organizers all, heads their own delegation, everyone else themself."""

import pytest

from apps.delegations.models import Participant
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/participants/"


def _names(response) -> list[str]:
    return sorted(p["last_name"] for p in response.json()["results"])


def test_each_persona_lists_whom_they_may_see(api, personas):
    everyone = sorted(Participant.objects.values_list("last_name", flat=True))
    head = Participant.objects.get(user=personas.head)
    delegate = Participant.objects.get(user=personas.delegate)

    seen = {}
    for persona in ("organizer", "head", "delegate", "outsider"):
        api.force_authenticate(getattr(personas, persona))
        seen[persona] = _names(api.get(URL))
    api.force_authenticate(None)
    seen["anonymous"] = _names(api.get(URL))

    assert seen == {
        "organizer": everyone,
        "head": sorted([head.last_name, delegate.last_name]),
        "delegate": [delegate.last_name],
        "outsider": [Participant.objects.get(user=personas.outsider).last_name],
        "anonymous": [],
    }


def test_a_head_adds_to_their_own_delegation_whatever_the_body_says(api, personas):
    france = personas.event.delegations.get(country="FR")
    api.force_authenticate(personas.head)

    response = api.post(
        URL,
        {"first_name": "Nadia", "last_name": "Essai", "delegation": france.pk, "is_active": False},
        format="json",
    )

    added = Participant.objects.get(last_name="Essai")
    assert response.status_code == 201
    assert (added.delegation.country.code, added.is_active) == ("MA", True)


def test_a_head_cannot_reach_another_delegations_participant(api, personas):
    outsider = Participant.objects.get(user=personas.outsider)
    api.force_authenticate(personas.head)

    read = api.get(f"{URL}{outsider.pk}/")
    write = api.patch(f"{URL}{outsider.pk}/", {"first_name": "Hijacked"}, format="json")
    delete = api.delete(f"{URL}{outsider.pk}/")

    assert (read.status_code, write.status_code, delete.status_code) == (404, 404, 404)
    outsider.refresh_from_db()
    assert outsider.first_name == "Sam"


def test_a_participant_edits_their_profile_but_not_their_role_or_delegation(api, personas):
    api.force_authenticate(personas.delegate)

    response = api.patch(
        "/api/v1/events/ga-2025/me/",
        {"language": "ar", "first_name": "Salma", "role": "head", "delegation": None, "email": "x@example.org"},
        format="json",
    )

    me = Participant.objects.get(user=personas.delegate)
    assert response.status_code == 200
    assert (me.language, me.first_name, me.role, me.delegation.country.code) == ("ar", "Salma", "delegate", "MA")
    assert me.email != "x@example.org"


def test_profile_refuses_a_language_that_is_not_offered(api, personas):
    api.force_authenticate(personas.delegate)
    before = Participant.objects.get(user=personas.delegate).language

    response = api.patch("/api/v1/events/ga-2025/me/", {"language": "xx"}, format="json")

    assert (response.status_code, response.json()["errors"]) == (400, {"language": ['"xx" is not a valid choice.']})
    assert Participant.objects.get(user=personas.delegate).language == before != "xx"


def test_organizer_creates_and_a_duplicate_email_is_refused(api, personas):
    api.force_authenticate(personas.organizer)
    morocco = personas.event.delegations.get(country="MA")
    body = {"first_name": "Omar", "last_name": "Mithal", "email": "omar@example.org", "delegation": morocco.pk}

    first = api.post(URL, body, format="json")
    second = api.post(URL, body | {"email": "OMAR@example.org"}, format="json")

    assert (first.status_code, first.json()["email"], first.json()["delegation"]) == (
        201,
        "omar@example.org",
        morocco.pk,
    )
    assert (second.status_code, second.json()["errors"]) == (
        400,
        {"non_field_errors": ["A participant of this event already has this e-mail address."]},
    )
    assert list(
        Participant.objects.filter(email__iexact="omar@example.org").values_list("first_name", "delegation", "pk")
    ) == [("Omar", morocco.pk, first.json()["id"])]


def test_a_second_head_is_refused(api, personas):
    api.force_authenticate(personas.organizer)
    morocco = personas.event.delegations.get(country="MA")

    response = api.post(
        URL, {"first_name": "Second", "last_name": "Head", "role": "head", "delegation": morocco.pk}, format="json"
    )

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"non_field_errors": ["This delegation already has a head."]},
    )
    assert list(morocco.participants.filter(role="head").values_list("user__username", flat=True)) == ["head"]


def test_agenda_lists_the_sessions_the_caller_is_expected_at(api, personas, publish):
    from apps.programme.enums import Visibility
    from tests.factories import SessionFactory

    morocco = personas.event.delegations.get(country="MA")
    SessionFactory(
        event=personas.event, code="MA", visibility=Visibility.RESTRICTED, audience={"delegations": [morocco]}
    )
    SessionFactory(event=personas.event, code="HEADS", visibility=Visibility.RESTRICTED, roles=["head"])
    SessionFactory(event=personas.event, code="PUBLIC")
    publish(personas.event)
    api.force_authenticate(personas.delegate)

    response = api.get("/api/v1/events/ga-2025/me/agenda/")

    assert [s["code"] for s in response.json()["results"]] == ["MA"]


def test_delegations_carry_translated_names(api, personas):
    response = api.get("/api/v1/events/ga-2025/delegations/?lang=ar&country=MA")

    assert [(d["country"], d["name"]) for d in response.json()["results"]] == [("MA", "المغرب")]


def test_a_delegation_needs_a_valid_country_code(api, personas):
    api.force_authenticate(personas.organizer)

    before = sorted(personas.event.delegations.values_list("country", flat=True))

    response = api.post("/api/v1/events/ga-2025/delegations/", {"kind": "member", "country": "ZZ"}, format="json")

    assert (response.status_code, response.json()["errors"]) == (400, {"country": ['"ZZ" is not a valid choice.']})
    assert sorted(personas.event.delegations.values_list("country", flat=True)) == before == ["FR", "MA"]


def test_withdrawn_participants_can_be_found(api, personas):
    ParticipantFactory(event=personas.event, delegation=None, last_name="Gone", is_active=False)
    api.force_authenticate(personas.organizer)

    response = api.get(f"{URL}?is_active=false")

    assert _names(response) == ["Gone"]


def test_my_profile_has_an_etag_that_changes_with_it(api, personas):
    api.force_authenticate(personas.delegate)
    before = api.get("/api/v1/events/ga-2025/me/")["ETag"]

    after = api.patch("/api/v1/events/ga-2025/me/", {"language": "fr"}, format="json")["ETag"]

    assert (before[0], after[0]) == ('"', '"')
    assert before != after
