"""Thin tasks of the delegations app: ids and plain values in, one service call."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import DatabaseError, OperationalError


@shared_task(
    name="gaplanner.delegations.sign_in_link_send",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def task_sign_in_link_send(email: str, next_path: str, language: str) -> bool:
    """Send a sign-in link to ``email`` if a participant is registered with it.

    The page enqueues this for every address asked for, registered or not, so that the
    answer takes the same time either way. An SMTP failure is logged, not retried: the
    person asks again.
    """
    from .sign_in import participant_sign_in_link_send

    return participant_sign_in_link_send(email=email, next_path=next_path, language=language)


@shared_task(name="gaplanner.delegations.participant_import_run", bind=True, acks_late=True, max_retries=5)
def task_participant_import_run(self: Any, job_id: int) -> str:
    """Check or write a participant import, whichever it waits for; may run twice.

    A busy or restarting database (``OperationalError``) is retried with a capped backoff;
    when the retries are spent, the import is marked failed so that its page stops waiting.
    """
    from .import_jobs import participant_import_give_up, participant_import_run

    try:
        return participant_import_run(job_id=job_id)
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            participant_import_give_up(job_id=job_id)
            raise
        raise self.retry(exc=exc, countdown=min(5 * 2**self.request.retries, 120)) from exc
