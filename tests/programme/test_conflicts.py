"""Warnings: each names its sessions and the people concerned."""

import datetime as dt

import pytest

from apps.delegations.enums import Role
from apps.programme.conflicts import VenueInfo, travel_minutes, warnings_for_schedule
from tests.factories import CASABLANCA, ParticipantFactory, RoomFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=CASABLANCA)


def _found(event) -> list[dict]:
    return [w.as_dict() for w in warnings_for_schedule(event=event)]


def test_a_head_expected_in_two_places_through_delegation_and_role(personas):
    event = personas.event
    morocco = event.delegations.get(country="MA")
    SessionFactory(event=event, code="MA-MEET", room=None, start=at(9), end=at(10), audience={"delegations": [morocco]})
    SessionFactory(event=event, code="HEADS", room=None, start=at(9, 30), end=at(11), roles=[Role.HEAD])

    [warning] = _found(event)

    assert warning == {
        "kind": "double_booked",
        "message": "1 participant is expected at MA-MEET and HEADS at once.",
        "sessions": ["MA-MEET", "HEADS"],
        "people": [str(event.participants.get(role=Role.HEAD))],
        "people_count": 1,
        "involves_head": True,
    }


def test_a_direct_assignment_counts(personas):
    event = personas.event
    outsider = event.participants.get(user=personas.outsider)
    SessionFactory(event=event, code="A", room=None, start=at(9), end=at(10), audience={"participants": [outsider]})
    SessionFactory(
        event=event, code="B", room=None, start=at(9, 45), end=at(10, 30), audience={"participants": [outsider]}
    )

    assert [(w["sessions"], w["people_count"], w["involves_head"]) for w in _found(event)] == [(["A", "B"], 1, False)]


def test_back_to_back_sessions_of_one_person_are_fine(personas):
    event = personas.event
    morocco = event.delegations.get(country="MA")
    SessionFactory(event=event, code="A", room=None, start=at(9), end=at(10), audience={"delegations": [morocco]})
    SessionFactory(event=event, code="B", room=None, start=at(10), end=at(11), audience={"delegations": [morocco]})

    assert _found(event) == []


def test_a_room_smaller_than_its_audience(personas):
    event = personas.event
    morocco = event.delegations.get(country="MA")
    room = RoomFactory(venue__event=event, name="Bilateral 1", capacity=1, booths=[])
    SessionFactory(event=event, code="BIL", room=room, languages=["fr"], audience={"delegations": [morocco]})

    assert [w["message"] for w in _found(event)] == ["Bilateral 1 seats 1; 2 people are expected at BIL."]


def test_languages_without_booths(personas):
    room = RoomFactory(venue__event=personas.event, name="Atlas", booths=["en", "fr"])
    SessionFactory(event=personas.event, code="PL", room=room, languages=["ar", "en", "fr", "es"])

    assert [w["message"] for w in _found(personas.event)] == [
        "Atlas has no interpretation booth for ar, es, needed by PL."
    ]


def test_outside_the_venue_hours(personas):
    venue = VenueFactory(event=personas.event, name="Palais", opens="08:00", closes="20:00")
    room = RoomFactory(venue=venue)
    SessionFactory(event=personas.event, code="LATE", room=room, start=at(19), end=at(21))

    assert [w["kind"] for w in _found(personas.event)] == ["outside_hours"]


def test_too_little_time_to_move_between_distant_venues(personas):
    event = personas.event
    morocco = event.delegations.get(country="MA")
    palais = VenueFactory(event=event, name="Palais", latitude="31.6295", longitude="-8.0245")
    far = VenueFactory(event=event, name="Far", latitude="31.6800", longitude="-7.9500")  # about 9 km
    SessionFactory(
        event=event,
        code="A",
        room=RoomFactory(venue=palais),
        start=at(9),
        end=at(10),
        audience={"delegations": [morocco]},
    )
    SessionFactory(
        event=event,
        code="B",
        room=RoomFactory(venue=far),
        start=at(10, 15),
        end=at(11),
        audience={"delegations": [morocco]},
    )

    [warning] = _found(event)

    assert (warning["kind"], warning["sessions"], warning["people_count"]) == ("travel", ["A", "B"], 2)


def test_travel_time_grows_with_distance():
    here = VenueInfo(1, "a", 31.6295, -8.0245)
    there = VenueInfo(2, "b", 31.6800, -7.9500)

    assert travel_minutes(here, here) == 10
    assert round(travel_minutes(here, there)) == 37
    assert travel_minutes(here, VenueInfo(3, "c")) is None


def test_drafts_and_cancelled_sessions_raise_no_warning(personas):
    room = RoomFactory(venue__event=personas.event, booths=[])
    SessionFactory(event=personas.event, room=room, status="draft", languages=["ar", "en"])
    SessionFactory(event=personas.event, room=room, status="cancelled", languages=["ar", "en"])

    assert _found(personas.event) == []


def test_withdrawn_participants_are_not_expected(personas):
    event = personas.event
    morocco = event.delegations.get(country="MA")
    ParticipantFactory(event=event, delegation=morocco, is_active=False)
    room = RoomFactory(venue__event=event, capacity=2, booths=[])
    SessionFactory(event=event, room=room, languages=["fr"], audience={"delegations": [morocco]})

    assert _found(event) == []


def test_conflicts_endpoint_for_organizers(api, personas):
    room = RoomFactory(venue__event=personas.event, name="Atlas", booths=[])
    SessionFactory(event=personas.event, code="PL", room=room, languages=["ar", "en"])
    api.force_authenticate(personas.organizer)

    response = api.get("/api/v1/events/ga-2025/conflicts/")

    assert (response.status_code, [w["kind"] for w in response.json()["results"]]) == (200, ["no_booths"])


def test_saving_a_session_answers_its_warnings(api, personas):
    room = RoomFactory(venue__event=personas.event, name="Atlas", booths=[])
    api.force_authenticate(personas.organizer)

    response = api.post(
        "/api/v1/events/ga-2025/sessions/",
        {
            "code": "PL",
            "title": {"en": "Budget"},
            "room": room.pk,
            "status": "confirmed",
            "start": "2025-11-24T09:00",
            "end": "2025-11-24T10:00",
            "languages": ["ar", "en"],
        },
        format="json",
    )
    listed = api.get("/api/v1/events/ga-2025/sessions/PL/").json()

    assert (response.status_code, [w["message"] for w in response.json()["warnings"]]) == (
        201,
        ["Atlas has no interpretation booth for ar, en, needed by PL."],
    )
    assert (listed["code"], listed["room"], listed["warnings"]) == ("PL", room.pk, [])


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Atlas n'a pas de cabine d'interprétation pour ar, en, nécessaire à PL."),
        ("es", "Atlas no tiene cabina de interpretación para ar, en, necesaria para PL."),
        ("ar", "لا توجد في Atlas مقصورة ترجمة فورية لـ ar, en، وهي لازمة لـ PL."),
    ],
)
def test_warnings_speak_the_organizers_language(api, personas, language, message):
    room = RoomFactory(venue__event=personas.event, name="Atlas", booths=[])
    SessionFactory(event=personas.event, code="PL", room=room, languages=["ar", "en"])
    api.force_authenticate(personas.organizer)

    response = api.get("/api/v1/events/ga-2025/conflicts/", HTTP_ACCEPT_LANGUAGE=language)

    assert [w["message"] for w in response.json()["results"]] == [message]
