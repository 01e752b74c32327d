"""Participant imports as jobs: stored, checked by a worker, confirmed, written by a worker;
their API for organizers, and 404 for everyone else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.delegations.enums import ImportState, Role
from apps.delegations.import_jobs import (
    ImportNotReady,
    participant_import_confirm,
    participant_import_create,
    participant_import_give_up,
    participant_import_run,
)
from apps.delegations.importing import participants_import_check
from apps.delegations.models import Participant, ParticipantImport
from apps.delegations.tasks import task_participant_import_run
from gaplanner.celery import app
from tests.factories import EventFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = b"delegation,role,first_name,last_name,email,language\nMA,adviser,Youssef,Alaoui,y.alaoui@police.ma,ar\n"
BAD = CSV + b"ZZ,delegate,Ana,Lima,ana@example.org,pt\n"
IMPORTS = "/api/v1/events/ga-2025/imports/"


def _job(personas, content: bytes = CSV, language: str = "en") -> ParticipantImport:
    return participant_import_create(
        event=personas.event, user=personas.organizer, filename="people.csv", content=content, language=language
    )


def _state(job: ParticipantImport) -> tuple:
    job.refresh_from_db()
    return job.state, job.rows_done, job.rows_total, job.report, bytes(job.content)


def test_import_is_stored_queued_and_enqueued_after_commit(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = _job(personas)

    assert _state(job) == (ImportState.QUEUED, 0, 0, {}, CSV)
    assert (job.created_by, job.filename, len(callbacks)) == (personas.organizer, "people.csv", 1)


def test_import_check_reports_what_importing_would_do_and_writes_no_participant(personas):
    job = _job(personas)
    before = Participant.objects.count()

    state = participant_import_run(job_id=job.pk)

    assert state == ImportState.CHECKED
    assert _state(job) == (
        ImportState.CHECKED,
        1,
        1,
        {"created": 1, "updated": 0, "unchanged": 0, "problems": []},
        CSV,
    )
    assert job.checked_at is not None
    assert Participant.objects.count() == before


def test_import_check_with_problems_fails_with_them_by_row_and_forgets_the_file(personas):
    job = _job(personas, BAD)

    participant_import_run(job_id=job.pk)

    state, done, total, report, content = _state(job)
    assert (state, done, total, content) == (ImportState.FAILED, 2, 2, b"")
    assert report["problems"] == [
        {
            "row": 3,
            "field": "delegation",
            "message": "No delegation of this event has the country code or the name “ZZ”.",
        },
        {"row": 3, "field": "language", "message": "“pt” is not a language code; the codes are ar, en, fr, es."},
    ]
    assert job.finished_at is not None


def test_import_report_is_in_the_language_of_who_sent_it(personas):
    job = _job(personas, b"", language="fr")

    participant_import_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.report["problems"] == [{"row": None, "field": "", "message": "Le fichier est vide."}]


def test_confirmed_import_is_written_by_the_next_run(personas, django_capture_on_commit_callbacks):
    job = _job(personas)
    participant_import_run(job_id=job.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        participant_import_confirm(job=job)
    confirmed = _state(job)
    state = participant_import_run(job_id=job.pk)

    assert (confirmed[0], confirmed[1], len(callbacks)) == (ImportState.IMPORTING, 0, 1)
    assert state == ImportState.DONE
    assert _state(job) == (
        ImportState.DONE,
        1,
        1,
        {"created": 1, "updated": 0, "unchanged": 0, "problems": []},
        b"",
    )
    youssef = Participant.objects.get(email="y.alaoui@police.ma")
    assert (youssef.delegation.country.code, youssef.role, youssef.language) == ("MA", Role.ADVISER, "ar")


def test_import_run_twice_writes_once(personas):
    job = _job(personas)
    participant_import_run(job_id=job.pk)
    participant_import_confirm(job=job)

    first = participant_import_run(job_id=job.pk)
    second = participant_import_run(job_id=job.pk)

    assert (first, second) == (ImportState.DONE, ImportState.DONE)
    assert Participant.objects.filter(email="y.alaoui@police.ma").count() == 1


@pytest.mark.parametrize("state", [ImportState.QUEUED, ImportState.IMPORTING, ImportState.DONE, ImportState.FAILED])
def test_only_a_checked_import_can_be_confirmed(personas, state):
    job = _job(personas)
    ParticipantImport.objects.filter(pk=job.pk).update(state=state)

    with pytest.raises(ImportNotReady):
        participant_import_confirm(job=job)

    assert _state(job)[0] == state


def test_import_that_became_wrong_since_its_check_fails_and_writes_nothing(personas):
    morocco = Participant.objects.get(user=personas.head).delegation
    Participant.objects.filter(user=personas.head).update(role=Role.DELEGATE)
    job = _job(personas, b"delegation,role,first_name,last_name\nMA,head,Youssef,Alaoui\n")
    participant_import_run(job_id=job.pk)
    participant_import_confirm(job=job)
    ParticipantFactory(event=personas.event, delegation=morocco, role=Role.HEAD)

    state = participant_import_run(job_id=job.pk)

    assert state == ImportState.FAILED
    assert _state(job)[3]["problems"] == [{"row": 2, "field": "", "message": "This delegation already has a head."}]
    assert not Participant.objects.filter(last_name="Alaoui").exists()


def test_import_whose_worker_gives_up_is_failed_and_says_so(personas):
    job = _job(personas)

    participant_import_give_up(job_id=job.pk)

    assert _state(job)[0::3] == (
        ImportState.FAILED,
        {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "problems": [
                {
                    "row": None,
                    "field": "",
                    "message": "The import stopped because of an error. Nothing was imported: send the file again.",
                }
            ],
        },
    )


def test_import_that_keeps_meeting_changes_gives_up_and_writes_nothing(personas, monkeypatch):
    job = _job(personas)
    participant_import_run(job_id=job.pk)
    participant_import_confirm(job=job)
    reads = iter(range(100))
    monkeypatch.setattr("apps.delegations.importing._snapshot", lambda event: (next(reads),))

    state = participant_import_run(job_id=job.pk)

    message = "Participants keep changing while the file is imported. Nothing was imported: send it again later."
    assert (state, _state(job)[3]["problems"]) == (ImportState.FAILED, [{"row": None, "field": "", "message": message}])
    assert not Participant.objects.filter(email="y.alaoui@police.ma").exists()


def test_import_that_stops_on_an_error_is_failed_and_the_error_raised(personas, monkeypatch):
    job = _job(personas)

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("apps.delegations.import_jobs.participants_import_check", broken)

    with pytest.raises(RuntimeError):
        participant_import_run(job_id=job.pk)

    message = "The import stopped because of an error. Nothing was imported: send the file again."
    assert _state(job)[0::3] == (
        ImportState.FAILED,
        {"created": 0, "updated": 0, "unchanged": 0, "problems": [{"row": None, "field": "", "message": message}]},
    )


def test_import_check_tells_its_progress():
    calls = []
    rows = "".join(f",interpreter,Sam,Example{n},,\n" for n in range(600))
    data = ("delegation,role,first_name,last_name,email,language\n" + rows).encode()

    plan = participants_import_check(
        event=EventFactory(), data=data, progress=lambda done, total: calls.append((done, total))
    )

    assert (plan.report.created, calls) == (600, [(250, 600), (500, 600), (600, 600)])


def test_import_task_is_named_and_routed_to_the_default_queue():
    assert task_participant_import_run.name == "gaplanner.delegations.participant_import_run"
    assert app.amqp.router.route({}, task_participant_import_run.name)["queue"].name == "default"
    assert task_participant_import_run.acks_late is True


# The API: organizers of the event only; to anyone else the imports do not exist.


@pytest.fixture
def organizer_api(api, personas):
    api.force_authenticate(personas.organizer)
    return api


def _answer(job: ParticipantImport) -> dict:
    base = f"http://testserver/api/v1/events/ga-2025/imports/{job.pk}/"
    return {
        "id": job.pk,
        "url": base,
        "state": job.state,
        "filename": job.filename,
        "progress": {"done": job.rows_done, "total": job.rows_total},
        "report": job.report,
        "apply_url": f"{base}apply/",
        "created_at": job.created_at.astimezone(job.event.zone).isoformat(),
        "checked_at": job.checked_at.astimezone(job.event.zone).isoformat() if job.checked_at else None,
        "finished_at": job.finished_at.astimezone(job.event.zone).isoformat() if job.finished_at else None,
    }


def test_api_import_of_a_csv_body_answers_202_with_its_url(organizer_api, personas):
    response = organizer_api.post(IMPORTS, CSV, content_type="text/csv")

    job = ParticipantImport.objects.get()
    assert (response.status_code, response.json(), response["Location"]) == (202, _answer(job), _answer(job)["url"])
    assert (job.state, bytes(job.content), job.filename) == (ImportState.QUEUED, CSV, "")


def test_api_import_of_a_file_in_a_form_answers_202(organizer_api, personas):
    upload = SimpleUploadedFile("people.csv", CSV, content_type="text/csv")

    response = organizer_api.post(IMPORTS, {"file": upload}, format="multipart")

    job = ParticipantImport.objects.get()
    assert (response.status_code, response.json()) == (202, _answer(job))
    assert (job.filename, bytes(job.content)) == ("people.csv", CSV)


def test_api_import_without_a_file_is_400(organizer_api, personas):
    response = organizer_api.post(IMPORTS, {}, format="multipart")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"file": ["Send a CSV file: the body as text/csv, or file in a form."]}},
    )
    assert not ParticipantImport.objects.exists()


def test_api_import_shows_progress_then_report_then_applies(organizer_api, personas):
    job = _job(personas)
    url = f"{IMPORTS}{job.pk}/"

    queued = organizer_api.get(url)
    participant_import_run(job_id=job.pk)
    checked = organizer_api.get(url)
    applied = organizer_api.post(f"{url}apply/")
    again = organizer_api.post(f"{url}apply/")

    job.refresh_from_db()
    assert queued.json()["state"] == "queued"
    assert queued.json()["progress"] == {"done": 0, "total": 0}
    assert checked.json()["state"] == "checked"
    assert checked.json()["report"] == {"created": 1, "updated": 0, "unchanged": 0, "problems": []}
    assert (applied.status_code, applied.json()) == (202, _answer(job))
    assert applied.json()["state"] == "importing"
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "Only a checked import without problems can be applied; this one is importing."},
    )


@pytest.mark.parametrize("who", ["head", "delegate", "outsider", "anonymous", "other_organizer"])
def test_api_imports_do_not_exist_for_anyone_but_the_events_organizers(api, personas, who):
    job = _job(personas)
    participant_import_run(job_id=job.pk)
    if who == "other_organizer":
        user = UserFactory(username="elsewhere")
        EventFactory(slug="ga-2026").organizers.add(user)
    else:
        user = getattr(personas, who)
    if who != "anonymous":
        api.force_authenticate(user)

    created = api.post(IMPORTS, CSV, content_type="text/csv")
    read = api.get(f"{IMPORTS}{job.pk}/")
    applied = api.post(f"{IMPORTS}{job.pk}/apply/")

    not_found = {"detail": "Not found."}
    assert [(r.status_code, r.json()) for r in (created, read, applied)] == [(404, not_found)] * 3
    assert list(ParticipantImport.objects.values_list("state", flat=True)) == [ImportState.CHECKED]


def test_api_import_of_another_event_is_not_found_under_this_one(organizer_api, personas):
    other = EventFactory(slug="ga-2026")
    other.organizers.add(personas.organizer)
    elsewhere = participant_import_create(
        event=other, user=personas.organizer, filename="x.csv", content=CSV, language="en"
    )

    response = organizer_api.get(f"{IMPORTS}{elsewhere.pk}/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
