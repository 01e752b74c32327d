"""Writes to the sessions of the working schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from apps.kernel.persistence import validated_save

from ..enums import SessionStatus
from ..errors import RoomDoubleBooked
from ..models import ROOM_EXCLUSION_CONSTRAINT, Session
from ..selectors import sessions_clashing_in_room
from .audit import audit_record, session_state


@transaction.atomic
def session_save(*, session: Session, data: Mapping[str, Any]) -> Session:
    """Create (``session`` unsaved) or change a session of the working schedule.

    Raises ``ValidationError`` (end before start, outside the event's days, a room or an
    audience of another event) and :class:`RoomDoubleBooked` when its room holds another
    session at that time. On SQLite the transaction holds the write lock from its start
    (IMMEDIATE), so the check and the write cannot interleave with another booking; on
    PostgreSQL the exclusion constraint refuses the loser of a race, reported the same way.
    """
    # The stored state, not the instance's: a form may have changed the instance already.
    stored = Session.objects.filter(pk=session.pk).first() if session.pk else None
    before = session_state(stored) if stored else None
    for name, value in data.items():
        if name not in {"participants", "delegations"}:
            setattr(session, name, value)
    _refuse_double_booking(session)
    try:
        with transaction.atomic():
            validated_save(session, data=data)
    except IntegrityError as exc:
        if ROOM_EXCLUSION_CONSTRAINT not in str(exc):
            raise
        _refuse_double_booking(session)
        raise RoomDoubleBooked([]) from exc
    after = session_state(session)
    if after != before:
        action = "update" if before else "create"
        audit_record(event=session.event, action=action, code=session.code, before=before, after=after)
    return session


def _refuse_double_booking(session: Session) -> None:
    if session.status == SessionStatus.CANCELLED or not (session.start and session.end):
        return
    clashing = sessions_clashing_in_room(
        room_id=session.room_id, start=session.start, end=session.end, exclude_pk=session.pk
    )
    if clashing.exists():
        raise RoomDoubleBooked(clashing.order_by("start"))


@transaction.atomic
def session_cancel(*, session: Session) -> Session:
    """Mark the session cancelled; it stays in the programme as cancelled."""
    if session.status != SessionStatus.CANCELLED:
        before = session_state(session)
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status", "updated_at"])
        audit_record(
            event=session.event, action="cancel", code=session.code, before=before, after=session_state(session)
        )
    return session


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Delete a session of the working schedule; a published copy stays until the next
    publication, which records it as removed."""
    before = session_state(session)
    event, code = session.event, session.code
    session.delete()
    audit_record(event=event, action="delete", code=code, before=before)
