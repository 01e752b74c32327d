"""An event written as a bundle, the file event_import loads: loaded again, it is the same event."""

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.programme.bundle_export import BundleExportError, bundle_render, event_bundle_export
from apps.programme.models import Session
from apps.programme.services import event_bundle_import, schedule_publish
from tests.programme.test_bundle import BUNDLE

pytestmark = pytest.mark.django_db


def _small() -> dict:
    """BUNDLE with what an export must carry too: an observer organisation in an audience, a
    withdrawn head and their successor, someone of no delegation, an empty venue, a room of
    another venue, times an hour apart across New York's end of summer time (01:30 comes
    twice), a session without a room, with a description, for every member delegation."""
    bundle = copy.deepcopy(BUNDLE)
    bundle["event"].update(
        timezone="America/New_York", start_date="2026-10-31", end_date="2026-11-02", default_language="fr"
    )
    bundle["event"]["reminder_lead_minutes"] = [60]
    bundle["venues"][0].update(address="1 Place de la Paix", latitude=40.749, longitude=-73.968)
    bundle["venues"].append({"name": "Annex", "rooms": [{"name": "Room B", "kind": "meeting", "capacity": 40}]})
    bundle["venues"].append({"name": "Garden", "address": "Outside", "rooms": []})
    bundle["delegations"][1]["organisation"] = {"en": "UNODC", "fr": "ONUDC"}
    bundle["participants"][0]["is_active"] = False
    bundle["participants"] += [
        {**BUNDLE["participants"][0], "email": "new.head@example.org"},
        {"role": "interpreter", "first_name": "Sami", "last_name": "Haddad", "email": "", "language": "ar"},
    ]
    bundle["sessions"] = [
        {
            "code": "EARLY",
            "kind": "other",
            "title": {"en": "Before the change"},
            "description": {"en": "First line\nSecond line"},
            "room": "Plenary Hall",
            "start": "2026-11-01T00:30",
            "end": "2026-11-01T01:30-04:00",
            "status": "confirmed",
            "visibility": "public",
            "languages": ["en"],
            "expected_attendance": 30,
        },
        {
            "code": "LATE",
            "kind": "side_event",
            "title": {"en": "After the change", "fr": "Après le changement"},
            "room": "Room B",
            "start": "2026-11-01T01:30-05:00",
            "end": "2026-11-01T03:00",
            "status": "tentative",
            "visibility": "restricted",
            "languages": [],
            "audience": {
                "member_delegations": True,
                "delegations": ["UNODC", "MA"],
                "participants": ["new.head@example.org", "head.ma@example.org"],
                "roles": ["head", "adviser"],
            },
        },
        {
            "code": "ROOMLESS",
            "kind": "social",
            "title": {"en": "Reception"},
            "start": "2026-11-02T19:00",
            "end": "2026-11-02T21:00",
            "status": "draft",
            "visibility": "participants",
            "languages": ["ar", "en"],
            "audience": {"everyone": True},
        },
    ]
    return bundle


def test_an_exported_event_loads_again_as_the_same_bundle():
    event, _ = event_bundle_import(bundle=_small())
    first = event_bundle_export(event=event)
    event.delete()

    again, created = event_bundle_import(bundle=first)

    assert created
    assert event_bundle_export(event=again) == first
    assert json.loads(bundle_render(first)) == first


def test_an_export_writes_what_the_bundle_said_in_the_event_s_own_words():
    event, _ = event_bundle_import(bundle=_small())

    bundle = event_bundle_export(event=event)

    assert [(v["name"], [r["name"] for r in v["rooms"]]) for v in bundle["venues"]] == [
        ("Palais", ["Plenary Hall"]),
        ("Annex", ["Room B"]),
        ("Garden", []),
    ]
    assert bundle["event"]["name"] == {"ar": "الجمعية العامة 2026", "en": "General Assembly 2026"}
    assert list(bundle["event"]["name"]) == ["ar", "en"]  # in order, whatever the database keeps
    assert bundle["venues"][0]["latitude"] == 40.749
    assert bundle["venues"][0]["opens"] == "07:30"
    assert bundle["delegations"][1] == {
        "key": "ONUDC",
        "kind": "observer",
        "organisation": {"en": "UNODC", "fr": "ONUDC"},
        "region": "international",
    }
    assert bundle["participants"][0] == {
        "delegation": "MA",
        "role": "head",
        "first_name": "Youssef",
        "last_name": "Mithal",
        "email": "head.ma@example.org",
        "language": "fr",
        "is_active": False,
    }
    assert bundle["participants"][2] == {
        "role": "interpreter",
        "first_name": "Sami",
        "last_name": "Haddad",
        "email": "",
        "language": "ar",
    }
    assert [(s["code"], s["start"], s["end"]) for s in bundle["sessions"]] == [
        ("EARLY", "2026-11-01T00:30", "2026-11-01T01:30-04:00"),
        ("LATE", "2026-11-01T01:30-05:00", "2026-11-01T03:00"),
        ("ROOMLESS", "2026-11-02T19:00", "2026-11-02T21:00"),
    ]
    assert bundle["sessions"][1]["audience"] == {
        "member_delegations": True,
        "delegations": ["MA", "ONUDC"],
        "participants": ["head.ma@example.org", "new.head@example.org"],
        "roles": ["head", "adviser"],
    }
    assert "room" not in bundle["sessions"][2]


def test_an_export_leaves_out_published_copies():
    event, _ = event_bundle_import(bundle=BUNDLE)
    schedule_publish(event=event, note="v1", confirm_warnings=True)

    assert [s["code"] for s in event_bundle_export(event=event)["sessions"]] == ["OPEN", "HEADS", "UTC"]


def test_an_event_the_format_cannot_say_is_not_exported():
    event, _ = event_bundle_import(bundle=BUNDLE)
    Room.objects.create(venue=Venue.objects.create(event=event, name="Annex"), name="Plenary Hall", capacity=9)
    nameless = Participant.objects.create(event=event, first_name="No", last_name="Address")
    Session.objects.get(code="HEADS").participants.add(nameless)

    with pytest.raises(BundleExportError) as error:
        event_bundle_export(event=event)

    assert error.value.errors == [
        "rooms: two rooms are named 'Plenary Hall'; rename one to export the event",
        f"sessions HEADS: participant {nameless.pk} has no e-mail address, so the audience cannot name them; "
        "give them one to export the event",
    ]


def test_event_export_command_writes_the_file_that_event_import_loads(tmp_path):
    event, _ = event_bundle_import(bundle=_small())
    path = tmp_path / "bundle.json"

    call_command("event_export", "ga-2026", str(path), verbosity=0)
    written = json.loads(path.read_text(encoding="utf-8"))
    event.delete()
    call_command("event_import", str(path), "--no-progress", verbosity=0)

    assert written == event_bundle_export(event=Event.objects.get(slug="ga-2026"))


def test_event_export_command_writes_to_standard_output(capsys):
    event_bundle_import(bundle=BUNDLE)

    call_command("event_export", "ga-2026")

    assert capsys.readouterr().out == bundle_render(event_bundle_export(event=Event.objects.get(slug="ga-2026")))


def test_event_export_command_names_an_unknown_event():
    with pytest.raises(CommandError) as error:
        call_command("event_export", "nowhere")

    assert str(error.value) == "No event has the slug 'nowhere'."
