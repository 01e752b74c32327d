"""The audit log of the schedule: one entry per write, in the writer's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from apps.events.models import Event
from apps.kernel.audit_context import current_actor

from ..models import AuditEntry, Session


def session_state(session: Session) -> dict[str, Any]:
    """A session as the audit log and versions record it: comparable, JSON-ready."""
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
        "participants": sorted(p.pk for p in session.participants.all()),
        "delegations": sorted(d.pk for d in session.delegations.all()),
    }


def audit_record(*, event: Event, action: str, code: str = "", before: Any = None, after: Any = None) -> AuditEntry:
    """Append an entry naming the current actor. Must run inside the write's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run in the transaction of the write it records")
    actor = current_actor()
    return AuditEntry.objects.create(
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
