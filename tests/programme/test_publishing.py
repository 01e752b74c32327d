"""Publishing: numbered versions with their changes; everyone else sees the last one only."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.programme.enums import SessionStatus, Visibility
from apps.programme.models import ScheduleVersion, Session
from apps.programme.services import schedule_changes, schedule_publish, session_state
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


def _published(organizer_api, data: dict) -> dict:
    """Publish through the API: the answer is the version's summary; its detail, with the
    changes, is at ``Location``."""
    response = organizer_api.post(f"{URL}publish/", data, format="json")
    assert response.status_code == 201, response.json()
    assert response["Location"] == response.json()["url"]
    return organizer_api.get(response["Location"]).json()


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
    assert response.json()["counts"] == {"new": 1, "moved": 0, "changed": 0, "cancelled": 0, "removed": 0}
    detail = organizer_api.get(response["Location"]).json()
    assert [c["code"] for c in detail["changes"]] == ["PL-01"]


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
    version = _published(organizer_api, {"note": "Moved"})
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

    version = _published(organizer_api, {})

    assert [(c["kind"], c["fields"]) for c in version["changes"]] == [("changed", ["description"])]
    assert Session.objects.published().get(code="PL-01").sequence == 0


@pytest.mark.django_db
def test_a_cancelled_session_stays_published_as_cancelled(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.post(f"{URL}sessions/PL-01/cancel/")

    version = _published(organizer_api, {})
    seen = api.get(f"{URL}sessions/PL-01/").json()

    assert [c["kind"] for c in version["changes"]] == ["cancelled"]
    assert (seen["status"], seen["sequence"], seen["code"]) == ("cancelled", 1, "PL-01")


@pytest.mark.django_db
def test_a_deleted_session_leaves_at_the_next_publication(api, organizer_api, room, publish):
    SessionFactory(event=room.venue.event, room=room, code="PL-01")
    publish(room.venue.event)
    organizer_api.delete(f"{URL}sessions/PL-01/")

    still = api.get(f"{URL}sessions/PL-01/").status_code
    version = _published(organizer_api, {})
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
    assert (accepted.status_code, accepted.json()["warnings_count"]) == (201, 1)
    assert [w["kind"] for w in organizer_api.get(accepted["Location"]).json()["warnings"]] == ["capacity"]
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


@pytest.mark.django_db
def test_an_untouched_sessions_old_warning_does_not_block_a_publication(organizer_api, personas, room, publish):
    small = RoomFactory(venue=room.venue, name="Small", capacity=1)
    SessionFactory(event=personas.event, room=small, code="PL-01", expected_attendance=50)
    eleven = dt.datetime(2025, 11, 24, 11, tzinfo=CASABLANCA)
    SessionFactory(event=personas.event, room=room, code="PL-02", start=eleven, end=eleven + dt.timedelta(hours=1))
    publish(personas.event)  # PL-01's warning confirmed then
    organizer_api.patch(f"{URL}sessions/PL-02/", {"title": {"en": "Renamed"}}, format="json")

    response = organizer_api.post(f"{URL}publish/", {}, format="json")

    detail = organizer_api.get(response["Location"]).json()
    assert (response.status_code, [c["code"] for c in detail["changes"]], detail["warnings"]) == (201, ["PL-02"], [])
    assert ScheduleVersion.objects.get(number=2).warnings == []


@pytest.mark.django_db
def test_a_moved_sessions_warning_must_be_confirmed_again(organizer_api, personas, room, publish):
    small = RoomFactory(venue=room.venue, name="Small", capacity=1)
    SessionFactory(event=personas.event, room=small, code="PL-01", expected_attendance=50)
    publish(personas.event)
    organizer_api.patch(
        f"{URL}sessions/PL-01/", {"start": "2025-11-24T10:00", "end": "2025-11-24T11:00"}, format="json"
    )

    refused = organizer_api.post(f"{URL}publish/", {}, format="json")

    assert (refused.status_code, [w["sessions"] for w in refused.json()["conflicts"]]) == (409, [["PL-01"]])


@pytest.mark.django_db
def test_published_copies_take_the_audience_and_follow_its_changes(organizer_api, personas, room, publish):
    morocco, france = personas.event.delegations.get(country="MA"), personas.event.delegations.get(country="FR")
    head = personas.event.participants.get(role="head")
    SessionFactory(
        event=personas.event, room=room, code="PL-01", audience={"delegations": [morocco], "participants": [head]}
    )
    SessionFactory(event=personas.event, room=None, code="PL-02", audience={"delegations": [france]})
    publish(personas.event)
    organizer_api.patch(f"{URL}sessions/PL-01/", {"delegations": [france.pk], "participants": []}, format="json")

    version = publish(personas.event)

    copies = {
        s.code: (sorted(s.delegations.values_list("country", flat=True)), list(s.participants.all()), s.sequence)
        for s in Session.objects.published()
    }
    assert copies == {"PL-01": (["FR"], [], 0), "PL-02": (["FR"], [], 0)}
    [change] = version.changes["changed"]
    assert (change["code"], change["fields"]) == ("PL-01", ["delegations", "participants"])


@pytest.mark.django_db
@pytest.mark.parametrize("moved", [1, 3])
def test_a_publication_runs_as_many_queries_for_one_change_as_for_three(
    personas, room, publish, moved, django_assert_num_queries
):
    for n in range(4):
        start = dt.datetime(2025, 11, 24, 9 + n, tzinfo=CASABLANCA)
        SessionFactory(event=personas.event, room=room, code=f"PL-0{n}", start=start, end=start + dt.timedelta(hours=1),
                       audience={"delegations": list(personas.event.delegations.all())})  # fmt: skip
    publish(personas.event)
    Session.objects.working().filter(code__in=[f"PL-0{n}" for n in range(moved)]).update(kind="committee")

    # The lock, the sessions that differ (8) and their states (6), the warnings naming them
    # (the loader around them, 13, and the names), the number, the writes, the audit entry.
    with django_assert_num_queries(31):
        version = schedule_publish(event=personas.event, confirm_warnings=True)

    assert [len(version.changes[kind]) for kind in ("new", "changed")] == [0, moved]


@pytest.mark.django_db
def test_a_change_records_the_sessions_state_as_the_audit_log_does(personas, publish):
    morocco, france = personas.event.delegations.get(country="MA"), personas.event.delegations.get(country="FR")
    head = personas.event.participants.get(role="head")
    session = SessionFactory(
        event=personas.event,
        room=None,
        code="PL-01",
        roles=["observer", "head"],
        audience={"delegations": [morocco, france], "participants": [head]},
    )

    [entry] = schedule_changes(event=personas.event)["new"]

    assert entry == {"code": "PL-01", "after": session_state(session)}
    assert (entry["after"]["roles"], entry["after"]["room"]) == (["head", "observer"], None)
