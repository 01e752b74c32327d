"""Every write to the schedule is in the audit log: who, when, through what, before and after."""

import pytest

from apps.accounts.services import api_token_create
from apps.programme.errors import RoomDoubleBooked
from apps.programme.models import AuditEntry, Session
from apps.programme.services import session_save
from tests.factories import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/"


def _log(event) -> list[tuple]:
    return [
        (e.action, e.code, e.channel, e.username, e.token_prefix)
        for e in AuditEntry.objects.filter(event=event).order_by("id")
    ]


def test_api_writes_are_logged_with_the_token_used(api, personas):
    room = RoomFactory(venue__event=personas.event)
    _row, token = api_token_create(user=personas.organizer)
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = {
        "code": "PL-01",
        "title": {"en": "Budget"},
        "room": room.pk,
        "status": "confirmed",
        "start": "2025-11-24T09:00",
        "end": "2025-11-24T10:00",
    }

    api.post(f"{URL}sessions/", body, format="json", **headers)
    api.patch(f"{URL}sessions/PL-01/", {"end": "2025-11-24T10:30"}, format="json", **headers)
    api.post(f"{URL}sessions/PL-01/cancel/", **headers)
    api.post(f"{URL}publish/", {}, format="json", **headers)
    api.delete(f"{URL}sessions/PL-01/", **headers)

    assert _log(personas.event) == [
        ("create", "PL-01", "api", "organizer", token[:8]),
        ("update", "PL-01", "api", "organizer", token[:8]),
        ("cancel", "PL-01", "api", "organizer", token[:8]),
        ("publish", "", "api", "organizer", token[:8]),
        ("delete", "PL-01", "api", "organizer", token[:8]),
    ]
    update = AuditEntry.objects.get(action="update")
    assert (update.before["end"], update.after["end"]) == ("2025-11-24T09:00:00+00:00", "2025-11-24T09:30:00+00:00")


def test_admin_writes_are_logged_as_admin(client, personas):
    from apps.accounts.groups import organizers_group_ensure

    session = SessionFactory(event=personas.event, code="PL-01")
    personas.organizer.is_staff = True
    personas.organizer.save()
    personas.organizer.groups.add(organizers_group_ensure())
    client.force_login(personas.organizer)

    response = client.post(f"/admin/programme/session/{session.pk}/delete/", {"post": "yes"})

    assert (response.status_code, response["Location"]) == (302, "/admin/programme/session/")
    assert not Session.objects.filter(code="PL-01").exists()
    assert _log(personas.event) == [("delete", "PL-01", "admin", "organizer", "")]


def test_a_refused_write_leaves_no_entry(personas):
    room = RoomFactory(venue__event=personas.event)
    booked = SessionFactory(event=personas.event, room=room)
    clash = SessionFactory.build(event=personas.event, room=room, code="CLASH", start=booked.start, end=booked.end)

    with pytest.raises(RoomDoubleBooked):
        session_save(session=clash, data={})

    assert _log(personas.event) == []


def test_the_log_is_append_only(personas):
    session = SessionFactory(event=personas.event)
    session_save(session=session, data={"title": {"en": "Changed"}})
    entry = AuditEntry.objects.get()

    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.all().update(action="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.all().delete()


def test_organizers_read_the_log_through_the_api(api, personas):
    session = SessionFactory(event=personas.event, code="PL-01")
    session_save(session=session, data={"title": {"en": "Changed"}})
    api.force_authenticate(personas.organizer)

    response = api.get(f"{URL}audit/?code=PL-01")

    [entry] = response.json()["results"]
    assert (entry["action"], entry["channel"], entry["after"]["title"]) == ("update", "system", {"en": "Changed"})


def test_imports_are_logged_as_imports(tmp_path):
    import json

    from django.core.management import call_command

    from tests.programme.test_bundle import BUNDLE

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(BUNDLE), encoding="utf-8")

    call_command("event_import", str(path))

    assert {(e.action, e.channel) for e in AuditEntry.objects.all()} == {("create", "import")}
    assert AuditEntry.objects.count() == 3
