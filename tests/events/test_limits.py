"""An event's days and its texts are bounded at every entry (docs/decisions/018-bounded-clean-text.md)."""

import copy

import pytest

from apps.accounts.groups import organizers_group_ensure
from apps.events.models import Event, Room
from apps.programme.services import BundleError, event_bundle_import
from tests.factories import VenueFactory
from tests.programme.test_bundle import BUNDLE

pytestmark = pytest.mark.django_db

EVENT = {
    "slug": "ga-2026",
    "name": {"en": "94th General Assembly"},
    "timezone": "Asia/Hong_Kong",
    "start_date": "2026-11-02",
    "end_date": "2026-11-05",
    "languages": ["en"],
}


@pytest.fixture
def organizer_api(api, personas):
    personas.organizer.groups.add(organizers_group_ensure())
    api.force_authenticate(personas.organizer)
    return api


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"start_date": "2026-01-01", "end_date": "2035-12-31"}, {"end_date": ["An event lasts at most 31 days."]}),
        ({"end_date": "2026-12-03"}, {"end_date": ["An event lasts at most 31 days."]}),
        (
            {"start_date": "0001-01-01", "end_date": "0001-01-02"},
            {
                "start_date": ["Ensure this value is greater than or equal to 1970-01-01."],
                "end_date": ["Ensure this value is greater than or equal to 1970-01-01."],
            },
        ),
        (
            {"start_date": "9999-12-30", "end_date": "9999-12-31"},
            {
                "start_date": ["Ensure this value is less than or equal to 2999-12-31."],
                "end_date": ["Ensure this value is less than or equal to 2999-12-31."],
            },
        ),
        (
            {"name": {"en": "x" * 1_000_000}},
            {"name": ["en: at most 300 characters (this text has 1000000)."]},
        ),
        (
            {"name": {"fr": "Assemblée\r\ngénérale"}},
            {"name": ["fr: Write this on one line: it holds a line break or tab (U+000D) at character 10."]},
        ),
    ],
)
def test_an_event_too_long_out_of_range_or_badly_named_is_refused_by_field(organizer_api, changes, errors):
    response = organizer_api.post("/api/v1/events/", EVENT | changes, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    assert not Event.objects.filter(slug="ga-2026").exists()


def test_an_event_of_the_longest_span_is_accepted(organizer_api):
    response = organizer_api.post("/api/v1/events/", EVENT | {"end_date": "2026-12-02"}, format="json")

    assert (response.status_code, response.json()["end_date"]) == (201, "2026-12-02")
    assert Event.objects.get(slug="ga-2026").end_date.isoformat() == "2026-12-02"


def test_the_longest_span_is_a_setting(organizer_api, settings):
    settings.EVENT_MAX_DAYS = 3
    before = Event.objects.values().get(slug="ga-2025")

    response = organizer_api.patch("/api/v1/events/ga-2025/", {"end_date": "2025-11-27"}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"end_date": ["An event lasts at most 3 days."]}},
    )
    assert Event.objects.values().get(slug="ga-2025") == before


def test_a_room_name_with_a_line_break_is_refused_naming_the_field(organizer_api, personas):
    venue = VenueFactory(event=personas.event)

    response = organizer_api.post(
        "/api/v1/events/ga-2025/rooms/",
        {"venue": venue.pk, "name": "Atlas\r\nHall", "capacity": 40},
        format="json",
    )

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Invalid input.",
            "errors": {"name": ["Write this on one line: it holds a line break or tab (U+000D) at character 6."]},
        },
    )
    assert not Room.objects.exists()


def test_the_admin_refuses_a_ten_year_event_and_a_room_name_with_a_carriage_return(organizer_client, personas):
    event = organizer_client.post(
        "/admin/events/event/add/",
        {
            "slug": "ga-2026",
            "name_en": "94th General Assembly",
            "timezone": "Asia/Hong_Kong",
            "start_date": "2026-01-01",
            "end_date": "2035-12-31",
            "languages": ["en"],
            "default_language": "en",
            "reminder_lead_minutes": "[1440, 15]",
            "venues-TOTAL_FORMS": "1",
            "venues-INITIAL_FORMS": "0",
            "venues-0-name": "Palais\rdes congrès",
        },
    )

    form = event.context["adminform"].form
    assert event.status_code == 200
    assert form.errors["end_date"] == ["An event lasts at most 31 days."]
    assert event.context["inline_admin_formsets"][0].formset.errors[0]["name"] == [
        "Write this on one line: it holds a line break or tab (U+000D) at character 7."
    ]
    assert not Event.objects.filter(slug="ga-2026").exists()


def test_a_bundle_of_a_ten_year_event_or_a_room_name_on_two_lines_loads_nothing():
    bundle = copy.deepcopy(BUNDLE)
    bundle["event"]["end_date"] = "2036-03-23"
    bundle["venues"][0]["rooms"][0]["name"] = "Plenary\nHall"

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == ["event.end_date: An event lasts at most 31 days."]
    bundle["event"]["end_date"] = "2026-03-23"
    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)
    assert error.value.errors[0] == (
        "venues[0].rooms[0].name: Write this on one line: it holds a line break or tab (U+000A) at character 8."
    )
    assert not Event.objects.filter(slug="ga-2026").exists()
