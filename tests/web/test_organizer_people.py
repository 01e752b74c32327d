"""Organizers find participants, open their agendas and import them from a spreadsheet."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.models import Participant
from tests.factories import DelegationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

PEOPLE = "/events/ga-2025/organize/participants/"
IMPORTS = "/events/ga-2025/organize/imports/"


@pytest.fixture
def organizer(client, personas):
    client.force_login(personas.organizer)
    return client


def names(page: str) -> list[str]:
    return [row.split(">", 1)[1].split("</a>", 1)[0] for row in page.split('<th scope="row"><a href=')[1:]]


def test_participants_are_listed_with_a_link_to_their_agenda(organizer, personas):
    head = Participant.objects.get(user=personas.head)

    page = organizer.get(PEOPLE).content.decode()

    assert f'<a href="/events/ga-2025/people/{head.pk}/">{head.last_name}, Sam</a>' in page
    assert "3 participants" in page
    assert '<a href="/events/ga-2025/organize/participants/" aria-current="page">Participants</a>' in page


def test_participants_search_by_name_delegation_and_role(organizer, personas):
    head = Participant.objects.get(user=personas.head)
    france = Participant.objects.get(user=personas.outsider).delegation

    by_name = organizer.get(PEOPLE, {"q": head.last_name}).content.decode()
    by_delegation = organizer.get(PEOPLE, {"delegation": france.pk}).content.decode()
    by_role = organizer.get(PEOPLE, {"role": "head"}).content.decode()

    assert names(by_name) == [f"{head.last_name}, Sam"]
    assert names(by_delegation) == [f"{Participant.objects.get(user=personas.outsider).last_name}, Sam"]
    assert names(by_role) == [f"{head.last_name}, Sam"]


@pytest.mark.parametrize("who", ["head", "delegate", "anonymous"])
def test_participants_page_is_for_organizers_only(client, personas, who):
    if who != "anonymous":
        client.force_login(getattr(personas, who))

    response = client.get(PEOPLE)

    assert response.status_code == (302 if who == "anonymous" else 404)


@pytest.mark.parametrize("size", [1, 3])
def test_participants_query_count_does_not_grow(organizer, personas, size):
    for n in range(size):
        ParticipantFactory(
            event=personas.event, delegation=DelegationFactory(event=personas.event, country=["BR", "JP", "KE"][n])
        )

    with CaptureQueriesContext(connection) as queries:
        response = organizer.get(PEOPLE)

    assert len(names(response.content.decode())) == 3 + size
    assert len(queries) == 7  # session, user, event, organizer check, delegations, count, page


def upload(client, text: str, *, dry_run: bool):
    data = {"file": SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(IMPORTS, data)


CSV = "delegation,role,first_name,last_name,email,language\nMA,adviser,Youssef,Alaoui,y.alaoui@police.ma,ar\n"


def test_import_checks_first_and_writes_nothing(organizer, personas):
    before = Participant.objects.count()

    response = upload(organizer, CSV, dry_run=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Importing it would add 1, update 0 and leave 0 unchanged." in page
    assert Participant.objects.count() == before


def test_import_writes_and_reports_the_counts(organizer, personas):
    response = upload(organizer, CSV, dry_run=False)

    assert (response.status_code, response["Location"]) == (302, PEOPLE)
    youssef = Participant.objects.get(email="y.alaoui@police.ma")
    assert (youssef.delegation.country.code, youssef.role, youssef.language) == ("MA", "adviser", "ar")
    page = organizer.get(PEOPLE).content.decode()
    assert "Imported: 1 new, 0 updated, 0 unchanged." in page


def test_import_with_problems_lists_them_by_row_and_writes_nothing(organizer, personas):
    before = Participant.objects.count()
    bad = CSV + "ZZ,delegate,Ana,Lima,ana@example.org,pt\n"

    response = upload(organizer, bad, dry_run=False)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "<td>3</td><td>delegation</td>" in page
    assert "<td>3</td><td>language</td>" in page
    assert Participant.objects.count() == before


def test_import_without_a_file_is_a_form_error(organizer, personas):
    response = organizer.post(IMPORTS, {})

    assert response.status_code == 400
    assert '<span class="errors" role="alert">This field is required.</span>' in response.content.decode()


def test_imports_page_is_for_organizers_only(client, personas):
    client.force_login(personas.head)

    assert upload(client, CSV, dry_run=False).status_code == 404
    assert not Participant.objects.filter(email="y.alaoui@police.ma").exists()
