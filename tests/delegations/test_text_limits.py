"""Names hold one line of text at every entry: API, admin, CSV import, bundle
(docs/decisions/018-bounded-clean-text.md)."""

import copy

import pytest

from apps.delegations.importing import ImportProblem, participants_import
from apps.delegations.models import Delegation, Participant
from apps.programme.services import BundleError, event_bundle_import
from tests.factories import DelegationFactory
from tests.programme.test_bundle import BUNDLE

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/ga-2025/participants/"


def test_the_api_refuses_a_name_with_a_line_break_naming_the_field(api, personas):
    api.force_authenticate(personas.organizer)
    morocco = personas.event.delegations.get(country="MA")
    body = {"first_name": "Omar", "last_name": "Mithal\r\nX-Injected: 1", "delegation": morocco.pk}

    response = api.post(URL, body, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Invalid input.",
            "errors": {"last_name": ["Write this on one line: it holds a line break or tab (U+000D) at character 7."]},
        },
    )
    assert not Participant.objects.filter(first_name="Omar").exists()


def test_an_organisation_name_is_one_line_of_at_most_200_characters(api, personas):
    api.force_authenticate(personas.organizer)
    body = {"kind": "observer", "organisation": {"en": "Europol\nEUROPOL"}}
    too_long = {"kind": "observer", "organisation": {"fr": "x" * 201}}

    response = api.post("/api/v1/events/ga-2025/delegations/", body, format="json")
    long_response = api.post("/api/v1/events/ga-2025/delegations/", too_long, format="json")

    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"organisation": ["en: Write this on one line: it holds a line break or tab (U+000A) at character 8."]},
    )
    assert (long_response.status_code, long_response.json()["errors"]) == (
        400,
        {"organisation": ["fr: at most 200 characters (this text has 201)."]},
    )
    assert not Delegation.objects.filter(kind="observer").exists()


def test_a_quoted_csv_cell_on_two_lines_is_a_row_problem_and_nothing_is_imported(event):
    DelegationFactory(event=event, country="MA")
    data = (
        b"delegation,first_name,last_name,email\r\n"
        b'MA,Amina,"Benali\r\nBcc: everyone@example.org",amina@example.org\r\n'
        b"MA,Youssef,Alaoui,youssef@example.org\r\n"
    )

    report = participants_import(event=event, data=data)

    assert (report.created, report.problems) == (
        0,
        [
            ImportProblem(
                row=2,
                field="last_name",
                message="Write this on one line: it holds a line break or tab (U+000D) at character 7.",
            )
        ],
    )
    assert not Participant.objects.filter(event=event).exists()


def test_the_admin_refuses_a_first_name_with_a_tab(organizer_client, personas):
    morocco = personas.event.delegations.get(country="MA")

    response = organizer_client.post(
        "/admin/delegations/participant/add/",
        {
            "event": personas.event.pk,
            "delegation": morocco.pk,
            "role": "delegate",
            "first_name": "Omar\tX",
            "last_name": "Mithal",
            "language": "en",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["first_name"] == [
        "Write this on one line: it holds a line break or tab (U+0009) at character 5."
    ]
    assert not Participant.objects.filter(last_name="Mithal").exists()


def test_a_bundle_with_a_participant_name_on_two_lines_loads_nothing():
    bundle = copy.deepcopy(BUNDLE)
    bundle["participants"][0]["first_name"] = "Amina\nBenali"

    with pytest.raises(BundleError) as error:
        event_bundle_import(bundle=bundle)

    assert error.value.errors[0] == (
        "participants[0].first_name: Write this on one line: it holds a line break or tab (U+000A) at character 6."
    )
    assert not Participant.objects.exists()
