import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.delegations.models import Delegation, Participant
from apps.events.models import Event, Room
from apps.programme.models import Session
from apps.programme.services import BundleError, event_bundle_import

pytestmark = pytest.mark.django_db

BUNDLE = {
    "format": "gaplanner-event/1",
    "event": {
        "slug": "ga-2026",
        "name": {"en": "General Assembly 2026", "ar": "الجمعية العامة 2026"},
        "timezone": "Africa/Casablanca",
        "start_date": "2026-03-20",
        "end_date": "2026-03-23",
        "languages": ["ar", "en"],
    },
    "venues": [
        {
            "name": "Palais",
            "opens": "07:30",
            "closes": "23:00",
            "rooms": [{"name": "Plenary Hall", "kind": "plenary", "capacity": 900, "booths": ["ar", "en"]}],
        }
    ],
    "delegations": [
        {"key": "MA", "kind": "member", "country": "MA", "region": "africa"},
        {"key": "UNODC", "kind": "observer", "organisation": {"en": "UNODC"}, "region": "international"},
    ],
    "participants": [
        {
            "delegation": "MA",
            "role": "head",
            "first_name": "Youssef",
            "last_name": "Mithal",
            "email": "Head.MA@example.org",
            "language": "fr",
        },
    ],
    "sessions": [
        {
            "code": "OPEN",
            "kind": "ceremony",
            "title": {"en": "Opening"},
            "room": "Plenary Hall",
            "start": "2026-03-21T09:00",
            "end": "2026-03-21T10:00",
            "status": "confirmed",
            "visibility": "public",
            "languages": ["ar", "en"],
        },
        # After the Ramadan switch of 2026-03-22 02:00 UTC, Casablanca is back at UTC+01:00.
        {
            "code": "HEADS",
            "kind": "plenary",
            "title": {"en": "Heads"},
            "room": "Plenary Hall",
            "start": "2026-03-22T09:00",
            "end": "2026-03-22T10:00",
            "status": "confirmed",
            "visibility": "restricted",
            "audience": {"delegations": ["MA"], "participants": ["head.ma@example.org"], "roles": ["head"]},
        },
        {
            "code": "UTC",
            "kind": "other",
            "title": {"en": "Written with an offset"},
            "start": "2026-03-23T09:00:00+00:00",
            "end": "2026-03-23T10:00:00+00:00",
            "status": "tentative",
        },
    ],
}


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Event, Room, Delegation, Participant, Session))


def test_bundle_loads_everything_with_local_times_across_a_ramadan_switch():
    _event, created = event_bundle_import(bundle=BUNDLE)

    heads = Session.objects.get(code="HEADS")
    assert created
    assert _counts() == (1, 1, 2, 1, 3)
    assert Session.objects.get(code="OPEN").start.isoformat() == "2026-03-21T09:00:00+00:00"
    assert heads.start.isoformat() == "2026-03-22T08:00:00+00:00"
    assert [d.country.code for d in heads.delegations.all()] == ["MA"]
    assert [p.email for p in heads.participants.all()] == ["head.ma@example.org"]
    assert heads.roles == ["head"]
    assert Session.objects.get(code="UTC").room is None


def test_loading_the_same_bundle_again_keeps_the_data():
    event, _ = event_bundle_import(bundle=BUNDLE)
    Session.objects.filter(code="OPEN").update(title={"en": "Changed by an organizer"})

    again, created = event_bundle_import(bundle=BUNDLE)

    assert (again, created) == (event, False)
    assert Session.objects.get(code="OPEN").title == {"en": "Changed by an organizer"}


def _broken(**changes) -> dict:
    bundle = copy.deepcopy(BUNDLE)
    for path, value in changes.items():
        section, index, field = path.split("__")
        bundle[section][int(index)][field] = value
    return bundle


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"sessions__0__end": "2026-03-21T08:00"}, ["sessions[0].end: A session must end after it starts."]),
        (
            {"sessions__0__start": "2026-03-24T09:00", "sessions__0__end": "2026-03-24T10:00"},
            ["sessions[0].start: The session must take place within the event's days (2026-03-20 to 2026-03-23)."],
        ),
        (
            {"sessions__1__start": "2026-03-22T02:30"},
            ["sessions[1].start: 2026-03-22 02:30 does not exist in Africa/Casablanca"],
        ),
        ({"sessions__0__room": "Attic"}, ["sessions[0].room: no room is named 'Attic'"]),
        (
            {"sessions__1__start": "2026-03-21T09:30", "sessions__1__end": "2026-03-21T10:30"},
            ["sessions[1].room: 'Plenary Hall' already holds OPEN at that time"],
        ),
        (
            {"sessions__0__start": "tomorrow"},
            ["sessions[0].start: 'tomorrow' is not a date and time such as 2025-11-24T09:00"],
        ),
        (
            {"participants__0__delegation": "XX"},
            [
                "participants[0].delegation: no delegation has the key 'XX'",
                "sessions[1].audience.participants: unknown: head.ma@example.org",
            ],
        ),
        ({"sessions__0__colour": "red"}, ["sessions[0].colour: unknown field"]),
        (
            {"delegations__0__country": "ZZ"},
            [
                "delegations[0].country: Value 'ZZ' is not a valid choice.",
                "participants[0].delegation: no delegation has the key 'MA'",
                "sessions[1].audience.participants: unknown: head.ma@example.org",
                "sessions[1].audience.delegations: unknown: MA",
            ],
        ),
    ],
)
def test_a_bad_bundle_writes_nothing_and_names_each_place(changes, errors):
    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=_broken(**changes))

    assert error.value.errors == errors
    assert _counts() == (0, 0, 0, 0, 0)


def test_unknown_timezone_is_reported_on_the_event():
    bundle = copy.deepcopy(BUNDLE)
    bundle["event"]["timezone"] = "Africa/Marrakech"

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == [
        "event.timezone: Africa/Marrakech is not an IANA time zone (such as Africa/Casablanca)."
    ]
    assert _counts() == (0, 0, 0, 0, 0)


def test_wrong_format_is_refused():
    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle={"format": "frab"})

    assert error.value.errors == ["format: must be 'gaplanner-event/1'"]


def test_event_import_command_reports_errors_and_loads_nothing(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_broken(sessions__0__end="2026-03-21T08:00")), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("event_import", str(path))

    assert str(error.value) == (f"{path}: nothing was loaded:\nsessions[0].end: A session must end after it starts.")
    assert _counts() == (0, 0, 0, 0, 0)


def test_event_import_command_reports_unreadable_json(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(CommandError, match="Expecting property name"):
        call_command("event_import", str(path))


def test_demo_accounts_exist_in_demo_mode_only(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="Demo accounts exist in demo mode only"):
        call_command("sample_load", "--demo-accounts")
    assert not Event.objects.exists()
