"""A write that meets a database whose write lock another connection holds waits briefly,
then answers 503 with Retry-After (JSON under /api/, a short page elsewhere), never 500."""

import sqlite3
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from apps.delegations.importing import participants_import
from apps.delegations.models import Participant, ParticipantImport
from apps.kernel.busy import is_database_busy

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"delegation,role,first_name,last_name,email,language\nMA,adviser,Youssef,Alaoui,y.alaoui@police.ma,ar\n"


@pytest.fixture
def brief_wait(monkeypatch):
    """This test's connection waits 0.3 s for a lock, not the configured seconds."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    if connection.vendor == "sqlite":
        monkeypatch.setitem(options, "timeout", 0.3)
    else:
        monkeypatch.setitem(options, "options", "-c lock_timeout=300")
    connection.close()
    yield
    connection.close()


@contextmanager
def write_lock_held_elsewhere():
    """Another connection holds the write lock: SQLite's database lock, or on PostgreSQL the
    tables these tests write (reads stay possible, as with SQLite's WAL)."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        other = psycopg.connect(**params)
        other.execute("LOCK TABLE delegations_participant, delegations_participantimport IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


def test_api_write_on_a_busy_database_answers_503_with_retry_after(api, personas, brief_wait):
    delegate = Participant.objects.get(user=personas.delegate)
    api.force_authenticate(personas.organizer)
    url = f"/api/v1/events/ga-2025/participants/{delegate.pk}/"

    with write_lock_held_elsewhere():
        busy = api.patch(url, {"first_name": "Samira"}, format="json")
    after = api.patch(url, {"first_name": "Samira"}, format="json")

    assert (busy.status_code, busy["Retry-After"], busy.json()) == (
        503,
        "5",
        {"detail": "The database is busy: retry in a few seconds."},
    )
    assert (after.status_code, after.json()["first_name"]) == (200, "Samira")
    delegate.refresh_from_db()
    assert delegate.first_name == "Samira"


def test_page_write_on_a_busy_database_answers_a_short_503_page(client, personas, brief_wait):
    client.force_login(personas.organizer)
    upload = SimpleUploadedFile("people.csv", CSV, content_type="text/csv")

    with write_lock_held_elsewhere():
        busy = client.post("/events/ga-2025/organize/imports/", {"file": upload})

    page = busy.content.decode()
    assert (busy.status_code, busy["Retry-After"]) == (503, "5")
    assert "<h1>The planner is busy</h1>" in page
    assert "wait a few seconds and send it again." in page
    assert not ParticipantImport.objects.exists()


def test_checking_a_file_takes_no_write_lock(personas, brief_wait):
    with write_lock_held_elsewhere():
        report = participants_import(event=personas.event, data=CSV, dry_run=True)

    assert (report.ok, report.created) == (True, 1)


def test_other_database_errors_are_not_busy():
    assert is_database_busy(OperationalError("database is locked")) is True
    assert is_database_busy(OperationalError("no such table: nowhere")) is False
    assert is_database_busy(ValueError("database is locked")) is False
