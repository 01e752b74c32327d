import pytest

from apps.accounts.groups import organizers_group_ensure
from apps.events.models import Event, Room
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_api(api, personas):
    personas.organizer.groups.add(organizers_group_ensure())
    api.force_authenticate(personas.organizer)
    return api


def test_creating_an_event_makes_its_creator_an_organizer(organizer_api, personas):
    response = organizer_api.post(
        "/api/v1/events/",
        {
            "slug": "ga-2026",
            "name": {"en": "94th General Assembly"},
            "timezone": "Asia/Hong_Kong",
            "start_date": "2026-11-02",
            "end_date": "2026-11-05",
            "languages": ["en", "fr"],
        },
        format="json",
    )

    assert response.status_code == 201
    assert Event.objects.get(slug="ga-2026").is_organizer(personas.organizer)
    assert response.json()["reminder_lead_minutes"] == [1440, 15]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ["Mars/Olympus is not an IANA time zone (such as Africa/Casablanca)."]},
        ),
        ({"end_date": "2026-10-01"}, {"end_date": ["The last day cannot be before the first day."]}),
        (
            {"start_date": "2026-02-30"},
            {"start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"languages": ["en", "klingon"]}, {"languages": ['Enter a list of language codes such as ["en", "fr"].']}),
    ],
)
def test_bad_event_input_is_refused_by_field(organizer_api, changes, errors):
    body = {
        "slug": "ga-2026",
        "name": {"en": "94th General Assembly"},
        "timezone": "Asia/Hong_Kong",
        "start_date": "2026-11-02",
        "end_date": "2026-11-05",
        "languages": ["en"],
    } | changes

    response = organizer_api.post("/api/v1/events/", body, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    assert not Event.objects.filter(slug="ga-2026").exists()


def test_the_slug_never_changes(organizer_api):
    response = organizer_api.patch("/api/v1/events/ga-2025/", {"slug": "renamed"}, format="json")

    assert (response.status_code, response.json()["slug"]) == (200, "ga-2025")
    assert list(Event.objects.values_list("slug", flat=True)) == ["ga-2025"]


def test_rooms_belong_to_venues_of_the_event(organizer_api, personas):
    here = VenueFactory(event=personas.event)
    elsewhere = VenueFactory()

    ok = organizer_api.post(
        "/api/v1/events/ga-2025/rooms/",
        {"venue": here.pk, "name": "Atlas", "capacity": 40, "booths": ["ar", "fr"]},
        format="json",
    )
    refused = organizer_api.post(
        "/api/v1/events/ga-2025/rooms/", {"venue": elsewhere.pk, "name": "Atlas 2", "capacity": 40}, format="json"
    )

    assert (ok.status_code, ok.json()["booths"]) == (201, ["ar", "fr"])
    assert (refused.status_code, refused.json()["errors"]) == (
        400,
        {"venue": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']},
    )
    assert list(Room.objects.values_list("name", flat=True)) == ["Atlas"]


def test_a_negative_capacity_is_refused(organizer_api, personas):
    venue = VenueFactory(event=personas.event)

    response = organizer_api.post(
        "/api/v1/events/ga-2025/rooms/", {"venue": venue.pk, "name": "Atlas", "capacity": -3}, format="json"
    )

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"capacity": ["Ensure this value is greater than or equal to 0."]},
    )
    assert not Room.objects.exists()
