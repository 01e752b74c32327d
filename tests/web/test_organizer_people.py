"""Organizers find participants, open their agendas and import them from a spreadsheet."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.delegations.enums import ImportState
from apps.delegations.import_jobs import participant_import_run
from apps.delegations.models import Participant, ParticipantImport
from tests.factories import DelegationFactory, EventFactory, ParticipantFactory, UserFactory

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


def upload(client, text: str):
    return client.post(IMPORTS, {"file": SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")})


CSV = "delegation,role,first_name,last_name,email,language\nMA,adviser,Youssef,Alaoui,y.alaoui@police.ma,ar\n"


def job_url(job) -> str:
    return f"{IMPORTS}{job.pk}/"


def test_import_sends_the_file_to_a_worker_and_shows_its_page(organizer, personas):
    response = upload(organizer, CSV)

    job = ParticipantImport.objects.get()
    assert (response.status_code, response["Location"]) == (302, job_url(job))
    page = organizer.get(job_url(job)).content.decode()
    assert '<section class="progress" aria-labelledby="state" data-refresh="2">' in page
    assert '<h3 id="state">Waiting to be checked</h3>' in page
    assert '<p role="status">Waiting for a worker to start.</p>' in page
    assert '<script src="/static/web/import-progress.js" defer></script>' in page
    assert "<script>" not in page


def test_import_page_shows_the_progress_of_the_check(organizer, personas):
    upload(organizer, CSV)
    ParticipantImport.objects.update(state=ImportState.CHECKING, rows_done=250, rows_total=600)
    job = ParticipantImport.objects.get()

    page = organizer.get(job_url(job)).content.decode()

    assert '<h3 id="state">Being checked</h3>' in page
    assert '<progress max="600" value="250" aria-labelledby="state"></progress>' in page
    assert '<p role="status">250 of 600 rows checked.</p>' in page


def test_import_checked_then_confirmed_then_written(organizer, personas):
    upload(organizer, CSV)
    job = ParticipantImport.objects.get()
    before = Participant.objects.count()
    participant_import_run(job_id=job.pk)  # what the worker does

    checked = organizer.get(job_url(job)).content.decode()
    confirmed = organizer.post(f"{job_url(job)}apply/")
    importing = organizer.get(job_url(job)).content.decode()
    count_before_the_worker = Participant.objects.count()
    participant_import_run(job_id=job.pk)
    done = organizer.get(job_url(job)).content.decode()

    assert '<p role="status">Importing it would add 1, update 0 and leave 0 unchanged.</p>' in checked
    assert f'<form method="post" action="{job_url(job)}apply/">' in checked
    assert (confirmed.status_code, confirmed["Location"]) == (302, job_url(job))
    assert '<h3 id="state">Being imported</h3>' in importing
    assert '<progress max="1" value="0" aria-labelledby="state"></progress>' in importing
    assert count_before_the_worker == before
    assert '<p role="status">Imported: 1 new, 0 updated, 0 unchanged.</p>' in done
    assert f'<a href="{PEOPLE}">See the participants</a>' in done
    youssef = Participant.objects.get(email="y.alaoui@police.ma")
    assert (youssef.delegation.country.code, youssef.role, youssef.language) == ("MA", "adviser", "ar")


def test_import_with_problems_lists_them_by_row_and_cannot_be_confirmed(organizer, personas):
    before = Participant.objects.count()
    upload(organizer, CSV + "ZZ,delegate,Ana,Lima,ana@example.org,pt\n")
    job = ParticipantImport.objects.get()
    participant_import_run(job_id=job.pk)

    page = organizer.get(job_url(job)).content.decode()
    confirmed = organizer.post(f"{job_url(job)}apply/", follow=True)

    assert "Nothing was imported" in page
    assert '<p role="alert">2 problems to fix:</p>' in page
    assert "<td>3</td><td>delegation</td>" in page
    assert "<td>3</td><td>language</td>" in page
    assert "apply/" not in page
    assert "This file cannot be imported now; its page says why." in confirmed.content.decode()
    assert Participant.objects.count() == before


def test_import_without_a_file_is_a_form_error(organizer, personas):
    response = organizer.post(IMPORTS, {})

    assert response.status_code == 400
    assert '<span class="errors" role="alert">This field is required.</span>' in response.content.decode()
    assert not ParticipantImport.objects.exists()


def test_imports_page_lists_recent_imports(organizer, personas):
    upload(organizer, CSV)
    job = ParticipantImport.objects.get()

    page = organizer.get(IMPORTS).content.decode()

    assert f'<th scope="row"><a href="{job_url(job)}">people.csv</a></th>' in page
    assert "<td>Waiting to be checked</td>" in page


@pytest.mark.parametrize("size", [1, 3])
def test_imports_page_query_count_does_not_grow(organizer, personas, size):
    for _n in range(size):
        upload(organizer, CSV)

    with CaptureQueriesContext(connection) as queries:
        response = organizer.get(IMPORTS)

    assert response.content.decode().count('<th scope="row"><a href=') == size
    assert len(queries) == 5  # session, user, event, organizer check, recent imports


@pytest.mark.parametrize("who", ["head", "other_organizer"])
def test_imports_pages_are_for_the_events_organizers_only(client, organizer, personas, who):
    upload(organizer, CSV)
    job = ParticipantImport.objects.get()
    participant_import_run(job_id=job.pk)
    if who == "other_organizer":
        user = UserFactory(username="elsewhere")
        EventFactory(slug="ga-2026").organizers.add(user)
    else:
        user = personas.head
    client.force_login(user)

    responses = [upload(client, CSV), client.get(job_url(job)), client.post(f"{job_url(job)}apply/")]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert list(ParticipantImport.objects.values_list("state", flat=True)) == [ImportState.CHECKED]
