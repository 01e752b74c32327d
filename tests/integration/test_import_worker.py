"""A participant import sent through the API is checked, then written, by a real worker."""

import time

import pytest

from apps.delegations.enums import ImportState
from apps.delegations.models import Participant, ParticipantImport

CSV = b"delegation,role,first_name,last_name,email,language\nMA,adviser,Youssef,Alaoui,y.alaoui@police.ma,ar\n"


def _wait_for(job_id: int, state: str, timeout: float = 60) -> ParticipantImport:
    """The job once the worker has brought it to ``state`` (a worker runs beside the test)."""
    deadline = time.monotonic() + timeout
    while True:
        job = ParticipantImport.objects.get(pk=job_id)
        if job.state == state or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_checks_and_then_writes_an_import_sent_through_the_api(worker, api, personas):
    api.force_authenticate(personas.organizer)

    sent = api.post("/api/v1/events/ga-2025/imports/", CSV, content_type="text/csv")
    checked = _wait_for(sent.json()["id"], ImportState.CHECKED)
    applied = api.post(f"{sent.json()['url']}apply/")
    done = _wait_for(checked.pk, ImportState.DONE)

    assert (sent.status_code, applied.status_code) == (202, 202)
    assert (checked.state, checked.report["created"]) == (ImportState.CHECKED, 1)
    assert (done.state, done.report, done.rows_done) == (
        ImportState.DONE,
        {"created": 1, "updated": 0, "unchanged": 0, "problems": []},
        1,
    )
    assert api.get(sent.json()["url"]).json()["state"] == "done"
    youssef = Participant.objects.get(email="y.alaoui@police.ma")
    assert (youssef.role, youssef.language) == ("adviser", "ar")
