"""Organizers build the programme through the API; bad clients get clear errors and break nothing."""

import pytest

from apps.programme.models import Session
from tests.factories import EventFactory, ParticipantFactory, RoomFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/sessions/"


@pytest.fixture
def organizer_api(api, personas):
    api.force_authenticate(personas.organizer)
    return api


@pytest.fixture
def room(personas):
    return RoomFactory(venue__event=personas.event, name="Plenary Hall")


def _body(in_room, **changes):
    body = {
        "code": "PL-10",
        "kind": "plenary",
        "title": {"en": "Cybercrime", "ar": "الجريمة السيبرانية"},
        "room": in_room.pk,
        "start": "2025-11-25T09:00",
        "end": "2025-11-25T10:30",
        "status": "confirmed",
        "languages": ["ar", "en"],
        "roles": ["head"],
    }
    body.update(changes)
    return body


def test_organizer_creates_a_session_in_event_time(organizer_api, room):
    response = organizer_api.post(URL, _body(room), format="json")

    body = response.json()
    assert response.status_code == 201
    assert (body["code"], body["start"], body["end"], body["room_name"]) == (
        "PL-10",
        "2025-11-25T09:00:00+01:00",
        "2025-11-25T10:30:00+01:00",
        "Plenary Hall",
    )
    assert Session.objects.get(code="PL-10").start.isoformat() == "2025-11-25T08:00:00+00:00"
    assert response["ETag"].startswith('"')


def test_a_time_with_an_offset_is_taken_as_written(organizer_api, room):
    response = organizer_api.post(
        URL, _body(room, start="2025-11-25T09:00:00Z", end="2025-11-25T10:00:00Z"), format="json"
    )

    assert (response.status_code, response.json()["start"]) == (201, "2025-11-25T10:00:00+01:00")
    assert Session.objects.get(code="PL-10").start.isoformat() == "2025-11-25T09:00:00+00:00"


def test_code_is_generated_when_left_out(organizer_api, room):
    body = _body(room)
    del body["code"]

    response = organizer_api.post(URL, body, format="json")

    assert response.status_code == 201
    assert len(response.json()["code"]) == 6
    assert list(Session.objects.values_list("code", flat=True)) == [response.json()["code"]]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"end": "2025-11-25T08:00"}, {"end": ["A session must end after it starts."]}),
        (
            {"start": "2025-11-29T09:00", "end": "2025-11-29T10:00"},
            {"start": ["The session must take place within the event's days (2025-11-24 to 2025-11-27)."]},
        ),
        (
            {"start": "25/11/2025 9h"},
            {"start": ["Enter a date and time such as 2025-11-24T09:00:00+01:00 (without an offset: event time)."]},
        ),
        ({"title": "Cybercrime"}, {"title": ['Enter an object from language code to text, such as {"en": "…"}.']}),
        ({"title": {"xx": "Cybercrime"}}, {"title": ["xx is not a language code."]}),
        ({"roles": ["king"]}, {"roles": ['item 0: "king" is not a valid choice.']}),
        ({"status": "postponed"}, {"status": ['"postponed" is not a valid choice.']}),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
        ({"expected_attendance": "many"}, {"expected_attendance": ["A valid integer is required."]}),
        (
            {"code": "pl 10"},
            {"code": ["Use 2 to 32 capital letters, digits and hyphens, starting with a letter or digit."]},
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(organizer_api, room, changes, errors):
    response = organizer_api.post(URL, _body(room, **changes), format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    assert not Session.objects.exists()


def test_a_time_that_does_not_exist_in_the_event_zone_is_refused(api):
    event = EventFactory(slug="ga-2026", start_date="2026-03-20", end_date="2026-03-23")
    organizer = UserFactory()
    event.organizers.add(organizer)
    api.force_authenticate(organizer)

    response = api.post(
        "/api/v1/events/ga-2026/sessions/",
        {"title": {"en": "Night"}, "start": "2026-03-22T02:30", "end": "2026-03-22T04:00", "status": "confirmed"},
        format="json",
    )

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"start": ["2026-03-22 02:30 does not exist in Africa/Casablanca"]},
    )
    assert not Session.objects.exists()


def test_a_room_of_another_event_is_unknown(organizer_api, room):
    other_room = RoomFactory()

    response = organizer_api.post(URL, _body(room, room=other_room.pk), format="json")

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"room": [f'Invalid pk "{other_room.pk}" - object does not exist.']},
    )
    assert not Session.objects.exists()


def test_a_participant_of_another_event_is_unknown_in_the_audience(organizer_api, room):
    stranger = ParticipantFactory()

    response = organizer_api.post(URL, _body(room, participants=[stranger.pk]), format="json")

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"participants": [f'Invalid pk "{stranger.pk}" - object does not exist.']},
    )
    assert not Session.objects.exists()


def test_malformed_json_is_a_400(organizer_api):
    response = organizer_api.post(URL, '{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Session.objects.exists()


def test_a_duplicate_code_is_refused(organizer_api, room):
    SessionFactory(event=room.venue.event, code="PL-10", title={"en": "First"})

    response = organizer_api.post(URL, _body(room), format="json")

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Invalid input.",
            "errors": {"non_field_errors": ["Another session of this event has this code."]},
        },
    )
    assert list(Session.objects.values_list("code", "title")) == [("PL-10", {"en": "First"})]


def test_update_keeps_the_code_and_answers_a_new_etag(organizer_api, room):
    SessionFactory(event=room.venue.event, room=room, code="PL-10")
    etag = organizer_api.get(f"{URL}PL-10/")["ETag"]

    response = organizer_api.patch(
        f"{URL}PL-10/", {"code": "RENAMED", "title": {"en": "Renamed"}}, format="json", HTTP_IF_MATCH=etag
    )

    assert (response.status_code, response.json()["code"], response.json()["title"]) == (
        200,
        "PL-10",
        {"en": "Renamed"},
    )
    assert response["ETag"] != etag
    assert list(Session.objects.values_list("code", "title")) == [("PL-10", {"en": "Renamed"})]


def test_a_stale_if_match_is_a_412_and_changes_nothing(organizer_api, room):
    SessionFactory(event=room.venue.event, room=room, code="PL-10", title={"en": "First"})
    etag = organizer_api.get(f"{URL}PL-10/")["ETag"]
    organizer_api.patch(f"{URL}PL-10/", {"title": {"en": "Second"}}, format="json", HTTP_IF_MATCH=etag)

    response = organizer_api.patch(f"{URL}PL-10/", {"title": {"en": "Third"}}, format="json", HTTP_IF_MATCH=etag)

    assert (response.status_code, response.json()) == (
        412,
        {"detail": "The resource has changed since you read it: read it again (If-Match)."},
    )
    assert Session.objects.get(code="PL-10").title == {"en": "Second"}


def test_if_none_match_answers_304(api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-10")
    publish(room.venue.event)
    etag = api.get(f"{URL}PL-10/")["ETag"]

    response = api.get(f"{URL}PL-10/", HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, response.content, response["ETag"]) == (304, b"", etag)


def test_an_idempotent_retry_returns_the_first_answer_and_creates_once(organizer_api, room):
    first = organizer_api.post(URL, _body(room), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    again = organizer_api.post(URL, _body(room), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Session.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(organizer_api, room):
    organizer_api.post(URL, _body(room), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = organizer_api.post(URL, _body(room, code="PL-11"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (response.status_code, response.json()) == (
        422,
        {"detail": "This Idempotency-Key was used for another request."},
    )
    assert list(Session.objects.values_list("code", flat=True)) == ["PL-10"]


def test_a_refused_create_does_not_use_up_its_idempotency_key(organizer_api, room):
    organizer_api.post(URL, _body(room, end="2025-11-25T08:00"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = organizer_api.post(URL, _body(room), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201
    assert Session.objects.count() == 1


def test_cancel_keeps_the_session_as_cancelled(organizer_api, room):
    SessionFactory(event=room.venue.event, room=room, code="PL-10")

    response = organizer_api.post(f"{URL}PL-10/cancel/")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert Session.objects.get(code="PL-10").is_cancelled


def test_an_organizer_of_another_event_may_not_write_here(api, room):
    other = EventFactory()
    stranger = UserFactory()
    other.organizers.add(stranger)
    api.force_authenticate(stranger)

    response = api.post(URL, _body(room), format="json")

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
    assert not Session.objects.exists()


def test_search_finds_titles_in_any_language_and_ordering(api, room, publish):
    SessionFactory(event=room.venue.event, code="A", title={"en": "Cybercrime", "fr": "Cybercriminalité"})
    SessionFactory(event=room.venue.event, code="B", title={"en": "Budget", "fr": "Budget"})
    publish(room.venue.event)

    french = api.get(f"{URL}?q=criminalit").json()["results"]
    ordered = api.get(f"{URL}?ordering=-code").json()["results"]

    assert [s["code"] for s in french] == ["A"]
    assert [s["code"] for s in ordered] == ["B", "A"]


def test_audience_filters(api, personas, room, publish):
    delegation = personas.event.delegations.get(country="MA")
    SessionFactory(event=personas.event, code="MA-ONLY", audience={"delegations": [delegation]})
    SessionFactory(event=personas.event, code="OTHER")
    publish(personas.event)

    response = api.get(f"{URL}?delegation={delegation.pk}")

    assert [s["code"] for s in response.json()["results"]] == ["MA-ONLY"]


def test_accept_language_flattens_text(api, room, publish):
    SessionFactory(event=room.venue.event, code="PL-10", title={"en": "Cybercrime", "fr": "Cybercriminalité"})
    publish(room.venue.event)

    response = api.get(f"{URL}PL-10/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response.json()["title"] == "Cybercriminalité"


def test_an_offset_no_zone_uses_is_refused(organizer_api, room):
    response = organizer_api.post(
        URL, _body(room, start="2025-11-25T09:00:00-19:27", end="2025-11-25T10:00:00+01:00"), format="json"
    )

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"start": ["UTC-19:27 is not a UTC offset any zone uses (-12:00 to +14:00)"]},
    )
    assert not Session.objects.exists()
