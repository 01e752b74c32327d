"""The rules of a session of the working schedule, checked in memory for a writer of many
sessions at once (the event bundle): the same rules as :func:`.sessions.session_save`, without
a query per session."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Set
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from ..enums import SessionStatus
from ..errors import RoomDoubleBooked
from ..models import Session, new_session_code

# Fields whose rule a bulk writer checks itself: the event is the writer's, the room one of
# the event's that it wrote. Checking them through full_clean would cost a query per session.
RESOLVED_IN_BULK = ("event", "room")
# The session's constraints, and how a bulk writer keeps each without a query: the end after
# the start by ``Session.clean`` (same message), the code by comparing it with the codes of
# the sessions checked before (:func:`session_validate_in_bulk`). The room's exclusion
# constraint (PostgreSQL, a migration) is :class:`RoomBookings`. A new constraint must be
# added here and checked.
CONSTRAINTS_CHECKED_IN_BULK = frozenset({"session_code_unique_per_event", "session_end_after_start"})


def session_validate_in_bulk(session: Session, *, codes: Set[str]) -> None:
    """The model's rules, without a query, for a new session written with many others:
    ``full_clean`` of the fields (but :data:`RESOLVED_IN_BULK`, which the caller resolved,
    and with the room's venue at hand), then a code unique among ``codes``, those taken in
    the event. Raises ``ValidationError`` as ``session_save`` would."""
    errors: dict[str, Any] = {}
    try:
        session.full_clean(exclude=RESOLVED_IN_BULK, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if "code" not in errors and session.code and session.code in codes:
        constraint = next(c for c in Session._meta.constraints if c.name == "session_code_unique_per_event")
        errors = ValidationError({NON_FIELD_ERRORS: [constraint.get_violation_error_message()]}).update_error_dict(
            errors
        )
    if errors:
        raise ValidationError(errors)


def session_code_new(*, codes: Set[str]) -> str:
    """A fresh code not among ``codes``, as ``Session.save`` gives a session without one."""
    while True:
        code = new_session_code()
        if code not in codes:
            return code


class RoomBookings:
    """The rooms held by the sessions accepted so far, in memory: the rule of
    :func:`~apps.programme.selectors.sessions_clashing_in_room` that ``session_save``
    applies (a room holds one session at a time; back-to-back sessions do not clash;
    cancelled sessions and sessions without a room or a time hold nothing).

    The sessions a room holds never overlap one another, so kept in order of their start
    they are in order of their end too: the ones that clash with a new session are a run
    found by two bisections.
    """

    def __init__(self) -> None:
        self._starts: dict[int, list[Any]] = {}
        self._ends: dict[int, list[Any]] = {}
        self._held: dict[int, list[Session]] = {}

    @staticmethod
    def _holds_room(session: Session) -> bool:
        return bool(session.room_id and session.status != SessionStatus.CANCELLED and session.start and session.end)

    def refuse_double_booking(self, session: Session) -> None:
        """Raises :class:`RoomDoubleBooked` with the sessions accepted so far that hold
        ``session``'s room at some moment of its time, in order of their start."""
        if not self._holds_room(session) or session.room_id not in self._held:
            return
        room = session.room_id
        first = bisect_right(self._ends[room], session.start)
        last = bisect_left(self._starts[room], session.end)
        if first < last:
            raise RoomDoubleBooked(self._held[room][first:last])

    def take(self, session: Session) -> None:
        """Record an accepted session (checked by :meth:`refuse_double_booking`)."""
        if not self._holds_room(session) or session.room_id is None:
            return
        room = session.room_id
        starts = self._starts.setdefault(room, [])
        at = bisect_left(starts, session.start)
        starts.insert(at, session.start)
        self._ends.setdefault(room, []).insert(at, session.end)
        self._held.setdefault(room, []).insert(at, session)
