"""The audit log of the schedule: one entry per write, in the writer's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from apps.events.models import Event
from apps.kernel.audit_context import current_actor

from ..models import AuditEntry, Session


def session_state(
    session: Session,
    *,
    participant_ids: Iterable[int] | None = None,
    delegation_ids: Iterable[int] | None = None,
) -> dict[str, Any]:
    """A session as the audit log and versions record it: comparable, JSON-ready. A writer
    that holds the audience's ids gives them (``participant_ids``, ``delegation_ids``)
    rather than have them read again."""
    if participant_ids is None:
        participant_ids = (p.pk for p in session.participants.all())
    if delegation_ids is None:
        delegation_ids = (d.pk for d in session.delegations.all())
    return {
        "code": session.code,
        "kind": session.kind,
        "title": session.title,
        "description": session.description,
        "room": session.room_id,
        "start": session.start.astimezone(dt.UTC).isoformat(),
        "end": session.end.astimezone(dt.UTC).isoformat(),
        "status": session.status,
        "visibility": session.visibility,
        "languages": session.languages,
        "roles": sorted(session.roles),
        "for_everyone": session.for_everyone,
        "for_member_delegations": session.for_member_delegations,
        "expected_attendance": session.expected_attendance,
        "participants": sorted(participant_ids),
        "delegations": sorted(delegation_ids),
    }


def audit_record(*, event: Event, action: str, code: str = "", before: Any = None, after: Any = None) -> AuditEntry:
    """Append an entry naming the current actor. Must run inside the write's transaction."""
    [entry] = audit_records(entries=[audit_entry(event=event, action=action, code=code, before=before, after=after)])
    return entry


def audit_entry(*, event: Event, action: str, code: str = "", before: Any = None, after: Any = None) -> AuditEntry:
    """An entry naming the current actor, not yet saved: :func:`audit_records` saves it."""
    actor = current_actor()
    return AuditEntry(
        event=event,
        user=actor.user,
        username=actor.user.get_username() if actor.user else "",
        channel=actor.channel,
        token_prefix=actor.token_prefix,
        action=action,
        code=code,
        before=before,
        after=after,
    )


def audit_records(*, entries: Sequence[AuditEntry], batch_size: int = 1000) -> Sequence[AuditEntry]:
    """Append ``entries`` (:func:`audit_entry`), a batch of rows per query, for a writer of
    many sessions at once. Must run inside the write's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run in the transaction of the write it records")
    if len(entries) == 1:
        entries[0].save(force_insert=True)
        return entries
    return AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
