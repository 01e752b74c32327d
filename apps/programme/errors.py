from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404

from apps.kernel.errors import Conflict

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


class AgendaSessionNotFound(Http404):
    """No such session in the caller's view (or not in their agenda): answered 404."""


class AgendaSessionCancelled(Conflict):
    detail = "The session is cancelled: it cannot be added to an agenda."


class ExpectedByAudience(Conflict):
    """The session is in the agenda because its audience expects the participant."""

    detail = (
        "You are expected at this session (its audience includes you): it stays in your agenda. "
        "Only sessions you added yourself can be removed."
    )
