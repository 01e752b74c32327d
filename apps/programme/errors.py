from __future__ import annotations

from collections.abc import Iterable

from gaplanner.errors import Conflict

from .models import Session


class RoomDoubleBooked(Conflict):
    """The room already holds another session at that time."""

    detail = "The room already holds another session at that time."

    def __init__(self, sessions: Iterable[Session]) -> None:
        self.sessions = list(sessions)
        super().__init__(
            [
                {"code": s.code, "title": s.title, "start": s.start.isoformat(), "end": s.end.isoformat()}
                for s in self.sessions
            ]
        )


class NothingToPublish(Conflict):
    detail = "Nothing has changed since the last published version."


class WarningsNotConfirmed(Conflict):
    """The schedule has warnings: publishing needs the organizer to confirm them."""

    detail = "The schedule has warnings: look at them, then publish again with confirm_warnings."
