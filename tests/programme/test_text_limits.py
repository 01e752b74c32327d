"""Titles, descriptions and notes are bounded and hold no control characters, whatever the
entry: API, admin, publishing page, bundle (docs/decisions/018-bounded-clean-text.md)."""

import copy

import pytest

from apps.programme.models import ScheduleVersion, Session
from apps.programme.services import BundleError, event_bundle_import
from tests.factories import RoomFactory, SessionFactory
from tests.programme.test_admin import _form
from tests.programme.test_bundle import BUNDLE

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/sessions/"
RLO, PDF = "\u202e", "\u202c"


@pytest.fixture
def organizer_api(api, personas):
    api.force_authenticate(personas.organizer)
    return api


def _body(room, **changes):
    return {
        "code": "PL-10",
        "kind": "plenary",
        "title": {"en": "Cybercrime"},
        "room": room.pk,
        "start": "2025-11-25T09:00",
        "end": "2025-11-25T10:30",
        "status": "confirmed",
    } | changes


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"title": {"en": "x" * 1_000_000}}, {"title": ["en: at most 300 characters (this text has 1000000)."]}),
        (
            {"title": {"en": "Cybercrime\nBcc: everyone@example.org"}},
            {"title": ["en: Write this on one line: it holds a line break or tab (U+000A) at character 11."]},
        ),
        (
            {"title": {"ar": f"{RLO}الجريمة"}},
            {
                "title": [
                    "ar: The direction mark U+202E is not closed or not opened: "
                    "each embedding, override or isolate must be closed on its line."
                ]
            },
        ),
        (
            {"description": {"en": "x" * 10_001}},
            {"description": ["en: at most 10000 characters (this text has 10001)."]},
        ),
        (
            {"description": {"en": "Agenda\n\x1b[2J"}},
            {"description": ["en: Remove the control character U+001B at character 8."]},
        ),
    ],
)
def test_a_long_or_control_ridden_text_is_refused_naming_the_field(organizer_api, personas, changes, errors):
    room = RoomFactory(venue__event=personas.event)

    response = organizer_api.post(URL, _body(room, **changes), format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    assert not Session.objects.exists()


def test_a_description_keeps_its_lines_written_with_lf(organizer_api, personas):
    room = RoomFactory(venue__event=personas.event)
    description = {"en": "Agenda:\r\n\t1. Opening\r\n\t2. Budget", "ar": f"{RLO}الجريمة{PDF}"}

    response = organizer_api.post(URL, _body(room, description=description), format="json")

    assert (response.status_code, response.json()["description"]) == (
        201,
        {"en": "Agenda:\n\t1. Opening\n\t2. Budget", "ar": f"{RLO}الجريمة{PDF}"},
    )
    assert Session.objects.get().description == {"en": "Agenda:\n\t1. Opening\n\t2. Budget", "ar": f"{RLO}الجريمة{PDF}"}


def test_changing_a_title_to_two_lines_is_refused(organizer_api, personas):
    SessionFactory(event=personas.event, code="PL-01", title={"en": "Opening"})

    response = organizer_api.patch(f"{URL}PL-01/", {"title": {"fr": "Ouverture\u2028officielle"}}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "title": ["fr: Write this on one line: it holds a line break or tab (U+2028) at character 10."]
    }
    assert Session.objects.get(code="PL-01").title == {"en": "Opening"}


def test_the_admin_refuses_a_title_on_two_lines(organizer_client, personas):
    room = RoomFactory(venue__event=personas.event)

    response = organizer_client.post(
        "/admin/programme/session/add/", _form(personas.event, room, title_en="New\r\nitem")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == [
        "en: Write this on one line: it holds a line break or tab (U+000D) at character 4."
    ]
    assert not Session.objects.exists()


def test_a_publication_note_is_bounded_in_the_api_and_on_the_page(organizer_api, organizer_client, personas):
    SessionFactory(event=personas.event)

    api = organizer_api.post(
        "/api/v1/events/ga-2025/publish/", {"note": "Fixed\x1b", "confirm_warnings": True}, format="json"
    )
    page = organizer_client.post("/events/ga-2025/organize/publish/", {"note": "n" * 2001, "confirm_warnings": "on"})

    assert (api.status_code, api.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"note": ["Remove the control character U+001B at character 6."]}},
    )
    assert page.status_code == 400
    assert page.context["form"].errors == {"note": ["Ensure this value has at most 2000 characters (it has 2001)."]}
    assert not ScheduleVersion.objects.exists()


def test_a_note_on_several_lines_is_published_with_lf(organizer_client, personas):
    SessionFactory(event=personas.event)

    response = organizer_client.post(
        "/events/ga-2025/organize/publish/", {"note": "Rooms:\r\n- Atlas moved", "confirm_warnings": "on"}
    )

    assert response.status_code == 302
    assert ScheduleVersion.objects.get().note == "Rooms:\n- Atlas moved"


def test_a_bundle_with_a_title_on_two_lines_loads_nothing():
    bundle = copy.deepcopy(BUNDLE)
    bundle["sessions"][0]["title"] = {"en": "Opening\r\nceremony"}

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors == [
        "sessions[0].title: en: Write this on one line: it holds a line break or tab (U+000D) at character 8."
    ]
    assert not Session.objects.exists()
