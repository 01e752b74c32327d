"""Publishing: numbered versions with their changes; everyone else sees the last one only."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.programme.enums import SessionStatus, Visibility
from apps.programme.models import ScheduleVersion, Session
from apps.programme.services import schedule_publish
from apps.programme.signals import schedule_published
from tests.factories import CASABLANCA, EventFactory, RoomFactory, SessionFactory, UserFactory

URL = "/api/v1/events/ga-2025/"


@pytest.fixture
def organizer_api(personas):
    client = APIClient()
    client.force_authenticate(personas.organizer)
    return client


@pytest.fixture
def room(personas):
    return RoomFactory(venue__event=personas.event, name="Plenary Hall")


def _codes(api, url: str = f"{URL}sessions/") -> list[str]:
    return [s["code"] for s in api.get(url).json()["results"]]


@pytest.mark.django_db
def test_edits_stay_unseen_until_published(api, organizer_api, room):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")

    before = _codes(api)
    response = organizer_api.post(f"{URL}publish/", {"note": "First programme"}, format="json")
    after = _codes(api)

    assert (before, after) == ([], ["PL-01"])
    assert (response.status_code, response.json()["number"], response.json()["note"]) == (201, 1, "First programme")
    assert [c["code"] for c in response.json()["changes"]] == ["PL-01"]


@pytest.mark.django_db
def test_publishing_nothing_new_is_a_409(organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)

    response = organizer_api.post(f"{URL}publish/", {}, format="json")

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Nothing has changed since the last published version.", "conflicts": []},
    )
    assert ScheduleVersion.objects.count() == 1


@pytest.mark.django_db
def test_a_move_is_published_as_moved_and_raises_the_sequence(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.patch(
        f"{URL}sessions/PL-01/", {"start": "2025-11-24T11:00", "end": "2025-11-24T12:00"}, format="json"
    )

    unpublished = api.get(f"{URL}sessions/PL-01/").json()
    version = organizer_api.post(f"{URL}publish/", {"note": "Moved"}, format="json").json()
    published = api.get(f"{URL}sessions/PL-01/").json()

    assert (unpublished["start"], unpublished["sequence"]) == ("2025-11-24T09:00:00+01:00", 0)
    assert (published["start"], published["sequence"]) == ("2025-11-24T11:00:00+01:00", 1)
    [change] = version["changes"]
    assert (change["kind"], change["code"], change["fields"]) == ("moved", "PL-01", ["end", "start"])
    assert (change["before"]["start"], change["after"]["start"]) == (
        "2025-11-24T08:00:00+00:00",
        "2025-11-24T10:00:00+00:00",
    )
    assert Session.objects.working().get(code="PL-01").sequence == 1


@pytest.mark.django_db
def test_a_description_change_keeps_the_sequence(organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.patch(f"{URL}sessions/PL-01/", {"description": {"en": "Agenda item 4"}}, format="json")

    version = organizer_api.post(f"{URL}publish/", {}, format="json").json()

    assert [(c["kind"], c["fields"]) for c in version["changes"]] == [("changed", ["description"])]
    assert Session.objects.published().get(code="PL-01").sequence == 0


@pytest.mark.django_db
def test_a_cancelled_session_stays_published_as_cancelled(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.post(f"{URL}sessions/PL-01/cancel/")

    version = organizer_api.post(f"{URL}publish/", {}, format="json").json()
    seen = api.get(f"{URL}sessions/PL-01/").json()

    assert [c["kind"] for c in version["changes"]] == ["cancelled"]
    assert (seen["status"], seen["sequence"], seen["code"]) == ("cancelled", 1, "PL-01")


@pytest.mark.django_db
def test_a_deleted_session_leaves_at_the_next_publication(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.delete(f"{URL}sessions/PL-01/")

    still = api.get(f"{URL}sessions/PL-01/").status_code
    version = organizer_api.post(f"{URL}publish/", {}, format="json").json()
    gone = api.get(f"{URL}sessions/PL-01/").status_code

    assert (still, gone) == (200, 404)
    assert [(c["kind"], c["code"]) for c in version["changes"]] == [("removed", "PL-01")]


@pytest.mark.django_db
def test_changes_since_a_version_follow_the_visibility_rule(api, personas, organizer_api, room, publish):
    morocco = personas.event.delegations.get(country="MA")
    SessionFactory(event=personas.event, room=room, code="PL-01")
    publish(personas.event)
    SessionFactory(
        event=personas.event,
        code="MA-ONLY",
        room=None,
        visibility=Visibility.RESTRICTED,
        audience={"delegations": [morocco]},
    )
    organizer_api.patch(f"{URL}sessions/PL-01/", {"title": {"en": "Renamed"}}, format="json")
    publish(personas.event)

    public = api.get(f"{URL}changes/?since=1").json()
    api.force_authenticate(personas.delegate)
    moroccan = api.get(f"{URL}changes/?since=1").json()
    everything = api.get(f"{URL}changes/").json()

    assert [(c["version"], c["kind"], c["code"]) for c in public["changes"]] == [(2, "changed", "PL-01")]
    assert sorted(c["code"] for c in moroccan["changes"]) == ["MA-ONLY", "PL-01"]
    assert (everything["since"], everything["version"], len(everything["changes"])) == (0, 2, 3)


@pytest.mark.django_db
def test_changes_since_must_be_a_number(api, event):
    response = api.get(f"{URL}changes/?since=yesterday")

    assert (response.status_code, response.json()["errors"]) == (400, {"since": ["Enter a version number."]})


@pytest.mark.django_db
def test_warnings_need_confirming_and_are_recorded(organizer_api, personas, room):
    small = RoomFactory(venue=room.venue, name="Small", capacity=1)
    SessionFactory(event=personas.event, room=small, code="PL-01", expected_attendance=50)

    refused = organizer_api.post(f"{URL}publish/", {}, format="json")
    after_refusal = ScheduleVersion.objects.count()
    accepted = organizer_api.post(f"{URL}publish/", {"confirm_warnings": True}, format="json")

    assert (refused.status_code, after_refusal) == (409, 0)
    assert refused.json()["conflicts"][0]["message"] == "Small seats 1; 50 people are expected at PL-01."
    assert (accepted.status_code, [w["kind"] for w in accepted.json()["warnings"]]) == (201, ["capacity"])
    version = ScheduleVersion.objects.get()
    assert (version.number, [w["kind"] for w in version.warnings]) == (1, ["capacity"])


@pytest.mark.django_db
def test_versions_are_listed_newest_first(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event, note="one")
    organizer_api.patch(f"{URL}sessions/PL-01/", {"title": {"en": "Two"}}, format="json")
    publish(room.venue.event, note="two")

    listing = api.get(f"{URL}versions/").json()
    first = api.get(f"{URL}versions/1/").json()

    assert [(v["number"], v["note"], v["published_by"]) for v in listing["results"]] == [
        (2, "two", None),
        (1, "one", None),
    ]
    assert [c["code"] for c in first["changes"]] == ["PL-01"]


@pytest.mark.django_db
def test_publishing_sends_the_signal_after_commit(room, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, event, version, **kwargs):
        received.append((event.slug, version.number))

    schedule_published.connect(receiver)
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            schedule_publish(event=room.venue.event, confirm_warnings=True)
        before_commit = list(received)
        for callback in callbacks:
            callback()
    finally:
        schedule_published.disconnect(receiver)

    assert (before_commit, received) == ([], [("ga-2025", 1)])


@pytest.mark.django_db(transaction=True)
def test_publishing_twice_at_once_makes_one_version():
    event = EventFactory(slug="ga-2025")
    organizer = UserFactory()
    event.organizers.add(organizer)
    SessionFactory(event=event, room=None, code="PL-01", status=SessionStatus.CONFIRMED)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run() -> None:
        client = APIClient()
        client.force_authenticate(organizer)
        barrier.wait()
        try:
            statuses.append(client.post(f"{URL}publish/", {}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409]
    assert list(ScheduleVersion.objects.values_list("number", flat=True)) == [1]
    assert Session.objects.published().count() == 1


@pytest.mark.django_db
def test_a_code_is_the_same_in_every_version(api, organizer_api, room, publish):
    SessionFactory(
        event=room.venue.event,
        room=room,
        code="PL-01",
        start=dt.datetime(2025, 11, 24, 9, tzinfo=CASABLANCA),
        end=dt.datetime(2025, 11, 24, 10, tzinfo=CASABLANCA),
    )
    publish(room.venue.event)
    organizer_api.patch(f"{URL}sessions/PL-01/", {"room": None}, format="json")
    publish(room.venue.event)

    assert _codes(api) == ["PL-01"]
    assert Session.objects.published().get().published_from == Session.objects.working().get()
