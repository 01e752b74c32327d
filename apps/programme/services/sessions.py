"""Writes to the sessions of the working schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from gaplanner.persistence import validated_save

from ..enums import SessionStatus
from ..errors import RoomDoubleBooked
from ..models import ROOM_EXCLUSION_CONSTRAINT, Session
from ..selectors import sessions_clashing_in_room


@transaction.atomic
def session_save(*, session: Session, data: Mapping[str, Any]) -> Session:
    """Create (``session`` unsaved) or change a session of the working schedule.

    Raises ``ValidationError`` (end before start, outside the event's days, a room or an
    audience of another event) and :class:`RoomDoubleBooked` when its room holds another
    session at that time. On SQLite the transaction holds the write lock from its start
    (IMMEDIATE), so the check and the write cannot interleave with another booking; on
    PostgreSQL the exclusion constraint refuses the loser of a race, reported the same way.
    """
    for name, value in data.items():
        if name not in {"participants", "delegations"}:
            setattr(session, name, value)
    _refuse_double_booking(session)
    try:
        with transaction.atomic():
            return validated_save(session, data=data)
    except IntegrityError as exc:
        if ROOM_EXCLUSION_CONSTRAINT not in str(exc):
            raise
        _refuse_double_booking(session)
        raise RoomDoubleBooked([]) from exc


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
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status", "updated_at"])
    return session
