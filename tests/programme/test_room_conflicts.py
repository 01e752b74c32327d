"""A room never holds two sessions at once: refused in the API (409), the admin and imports,
even when the bookings race."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.programme.enums import SessionStatus
from apps.programme.models import Session
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory, UserFactory

URL = "/api/v1/events/ga-2025/sessions/"


def _body(room, start: str, end: str, code: str) -> dict:
    return {"code": code, "title": {"en": code}, "room": room.pk, "start": start, "end": end, "status": "confirmed"}


@pytest.fixture
def organizer_api(api, personas):
    api.force_authenticate(personas.organizer)
    return api


@pytest.fixture
def booked(personas):
    room = RoomFactory(venue__event=personas.event, name="Plenary Hall")
    SessionFactory(
        event=personas.event,
        room=room,
        code="PL-01",
        title={"en": "Opening"},
        start=dt.datetime(2025, 11, 24, 9, 0, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 10, 0, tzinfo=CASABLANCA),
    )
    return room


@pytest.mark.django_db
def test_an_overlapping_booking_is_a_409_listing_the_clash(organizer_api, booked):
    response = organizer_api.post(URL, _body(booked, "2025-11-24T09:30", "2025-11-24T11:00", "PL-02"), format="json")

    assert (response.status_code, response.json()) == (
        409,
        {
            "detail": "The room already holds another session at that time.",
            "conflicts": [
                {
                    "code": "PL-01",
                    "title": {"en": "Opening"},
                    "start": "2025-11-24T08:00:00+00:00",
                    "end": "2025-11-24T09:00:00+00:00",
                }
            ],
        },
    )
    assert list(Session.objects.values_list("code", flat=True)) == ["PL-01"]


@pytest.mark.django_db
def test_back_to_back_sessions_are_fine(organizer_api, booked):
    response = organizer_api.post(URL, _body(booked, "2025-11-24T10:00", "2025-11-24T11:00", "PL-02"), format="json")

    assert (response.status_code, response.json()["code"], response.json()["room"]) == (201, "PL-02", booked.pk)
    assert sorted(
        (s.code, s.room_id, s.start.isoformat(), s.end.isoformat()) for s in Session.objects.filter(room=booked)
    ) == [
        ("PL-01", booked.pk, "2025-11-24T08:00:00+00:00", "2025-11-24T09:00:00+00:00"),
        ("PL-02", booked.pk, "2025-11-24T09:00:00+00:00", "2025-11-24T10:00:00+00:00"),
    ]


@pytest.mark.django_db
def test_a_cancelled_session_frees_its_room(organizer_api, booked):
    Session.objects.filter(code="PL-01").update(status=SessionStatus.CANCELLED)

    response = organizer_api.post(URL, _body(booked, "2025-11-24T09:00", "2025-11-24T10:00", "PL-02"), format="json")

    assert (response.status_code, response.json()["code"], response.json()["room"]) == (201, "PL-02", booked.pk)
    assert sorted((s.code, s.status, s.start.isoformat()) for s in Session.objects.filter(room=booked)) == [
        ("PL-01", SessionStatus.CANCELLED, "2025-11-24T08:00:00+00:00"),
        ("PL-02", SessionStatus.CONFIRMED, "2025-11-24T08:00:00+00:00"),
    ]


@pytest.mark.django_db
def test_moving_a_session_onto_another_is_refused(organizer_api, booked):
    organizer_api.post(URL, _body(booked, "2025-11-24T10:00", "2025-11-24T11:00", "PL-02"), format="json")

    response = organizer_api.patch(f"{URL}PL-02/", {"start": "2025-11-24T09:45"}, format="json")

    assert (response.status_code, [c["code"] for c in response.json()["conflicts"]]) == (409, ["PL-01"])
    assert Session.objects.get(code="PL-02").start.isoformat() == "2025-11-24T09:00:00+00:00"


@pytest.mark.django_db
def test_the_admin_shows_the_clash_as_a_form_error(client, personas, booked):
    from apps.accounts.groups import organizers_group_ensure

    personas.organizer.is_staff = True
    personas.organizer.save()
    personas.organizer.groups.add(organizers_group_ensure())
    client.force_login(personas.organizer)

    response = client.post(
        "/admin/programme/session/add/",
        {
            "event": str(personas.event.pk),
            "code": "PL-02",
            "kind": "plenary",
            "status": "confirmed",
            "title_en": "Clash",
            "start_0": "2025-11-24",
            "start_1": "09:30",
            "end_0": "2025-11-24",
            "end_1": "10:30",
            "room": str(booked.pk),
            "visibility": "public",
        },
    )

    assert response.context["adminform"].form.errors["room"] == ["The room already holds PL-01 at that time."]
    assert Session.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_bookings_of_one_slot_one_wins():
    event = EventFactory(slug="ga-2025")
    organizer = UserFactory()
    event.organizers.add(organizer)
    room = RoomFactory(venue__event=event)
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def book(n: int) -> None:
        client = APIClient()
        client.force_authenticate(organizer)
        barrier.wait()
        try:
            response = client.post(
                URL, _body(room, "2025-11-25T09:00", "2025-11-25T10:00", f"RACE-{n:02d}"), format="json"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] + [409] * 15
    assert Session.objects.filter(room=room).count() == 1
