"""Participant imports as jobs that a worker runs: the file is checked, an organizer confirms,
the participants are written (docs/decisions/020-background-imports.md).

Every write here is one short transaction: a web request creates or confirms a job and
returns; the long part (reading and checking thousands of rows) runs in a worker and holds
no transaction, so that on SQLite it never holds the write lock.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.events.models import Event

from .enums import ImportState
from .importing import (
    MAX_CHECKS,
    ImportOutdated,
    ImportPlan,
    ImportProblem,
    ImportReport,
    participants_import_check,
    participants_import_write,
)
from .models import ParticipantImport

logger = logging.getLogger(__name__)


class ImportNotReady(Exception):
    """Only a checked import, without problems, can be confirmed."""


def participant_import_create(
    *, event: Event, user: Any, filename: str, content: bytes, language: str
) -> ParticipantImport:
    """Store an uploaded file as an import of ``event`` and have a worker check it.

    ``language`` is the one the report's messages are written in. Enqueues
    ``task_participant_import_run`` after the commit.
    """
    with transaction.atomic():
        job = ParticipantImport.objects.create(
            event=event,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            filename=filename[:255],
            content=content,
            language=language,
        )
        _enqueue(job)
    return job


def participant_import_confirm(*, job: ParticipantImport) -> ParticipantImport:
    """Have a worker write a checked import (state ``importing``).

    Raises :class:`ImportNotReady` unless the import is checked and without problems
    (already confirmed, running, done or failed). Enqueues ``task_participant_import_run``
    after the commit.
    """
    with transaction.atomic():
        confirmed = ParticipantImport.objects.filter(pk=job.pk, state=ImportState.CHECKED).update(
            state=ImportState.IMPORTING, rows_done=0, updated_at=timezone.now()
        )
        if not confirmed:
            raise ImportNotReady
        job.refresh_from_db()
        _enqueue(job)
    return job


def participant_import_run(*, job_id: int) -> str:
    """Do what the import waits for, and return its state: check a queued one (``checked``
    or ``failed`` with the problems), write a confirmed one (``done`` or ``failed``).

    May run twice for the same import (a task delivered again): a check is repeated (it writes
    nothing but the import's state); a write happens once, as the import is claimed in the
    write's own transaction. Errors that pass (``OperationalError``: the database busy or
    away) propagate, for the task to retry; any other error marks the import failed, and
    propagates.
    """
    job = ParticipantImport.objects.select_related("event").filter(pk=job_id).first()
    if job is None or not job.is_running:
        return job.state if job else "gone"
    try:
        with translation.override(job.language):
            if job.state == ImportState.IMPORTING:
                _write(job)
            else:
                _check(job)
    except OperationalError:
        raise
    except Exception:
        logger.exception("Participant import %s stopped", job.pk)
        _finish(job, state=ImportState.FAILED, report=_stopped())
        raise
    job.refresh_from_db(fields=["state"])
    return job.state


def participant_import_give_up(*, job_id: int) -> None:
    """Mark an import failed that its task could not finish (retries exhausted)."""
    job = ParticipantImport.objects.filter(pk=job_id).first()
    if job is not None and job.is_running:
        with translation.override(job.language):
            _finish(job, state=ImportState.FAILED, report=_stopped())


def participant_imports_of_event(*, event: Event) -> QuerySet[ParticipantImport]:
    """The event's imports, newest first, without their files."""
    return ParticipantImport.objects.filter(event=event).defer("content").order_by("-created_at", "-id")


def _enqueue(job: ParticipantImport) -> None:
    from .tasks import task_participant_import_run

    job_id = job.pk
    transaction.on_commit(lambda: task_participant_import_run.delay(job_id))


def _progress(job: ParticipantImport) -> Any:
    def tell(done: int, total: int) -> None:
        # One short UPDATE per step: the page reads it; no transaction stays open.
        ParticipantImport.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    return tell


def _check(job: ParticipantImport) -> None:
    ParticipantImport.objects.filter(pk=job.pk).update(
        state=ImportState.CHECKING, rows_done=0, updated_at=timezone.now()
    )
    plan = participants_import_check(event=job.event, data=bytes(job.content), progress=_progress(job))
    job.rows_total = plan.total
    if plan.report.ok:
        _finish(job, state=ImportState.CHECKED, report=plan.report)
    else:
        _finish(job, state=ImportState.FAILED, report=plan.report)


def _write(job: ParticipantImport) -> None:
    for _attempt in range(MAX_CHECKS):
        plan = participants_import_check(event=job.event, data=bytes(job.content), progress=_progress(job))
        if not plan.report.ok:
            # Something changed since the organizer confirmed: nothing is written.
            _finish(job, state=ImportState.FAILED, report=plan.report)
            return
        try:
            _write_once(job, plan)
        except ImportOutdated:
            continue
        except IntegrityError:
            message = _("Participants changed while the file was imported. Nothing was imported: send it again.")
            _finish(job, state=ImportState.FAILED, report=_failure(message))
        return
    message = _("Participants keep changing while the file is imported. Nothing was imported: send it again later.")
    _finish(job, state=ImportState.FAILED, report=_failure(message))


def _write_once(job: ParticipantImport, plan: ImportPlan) -> None:
    """The participants and the import's end in one transaction: both or neither."""
    with transaction.atomic():
        claimed = ParticipantImport.objects.select_for_update().filter(pk=job.pk, state=ImportState.IMPORTING)
        if not claimed.exists():
            return  # written by an earlier delivery of the same task
        report = participants_import_write(event=job.event, plan=plan)
        job.rows_total = plan.total
        _finish(job, state=ImportState.DONE, report=report)


def _finish(job: ParticipantImport, *, state: str, report: ImportReport) -> None:
    now = timezone.now()
    job.state = state
    job.report = _report_as_json(report)
    job.rows_done = job.rows_total
    job.updated_at = now
    fields = ["state", "report", "rows_done", "updated_at"]
    if state == ImportState.CHECKED:
        job.checked_at = now
        fields.append("checked_at")
    else:
        # The file holds personal data: kept only as long as the import needs it.
        job.content = b""
        job.finished_at = now
        fields += ["content", "finished_at"]
    ParticipantImport.objects.filter(pk=job.pk).update(**{name: getattr(job, name) for name in fields})


def _report_as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "problems": [{"row": p.row, "field": p.field, "message": str(p.message)} for p in report.problems],
    }


def _failure(message: str) -> ImportReport:
    return ImportReport(problems=[ImportProblem(row=None, field="", message=message)])


def _stopped() -> ImportReport:
    return _failure(_("The import stopped because of an error. Nothing was imported: send the file again."))
