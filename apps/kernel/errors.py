"""Domain errors that every interface (API, admin, pages) translates the same way."""

from __future__ import annotations

from typing import Any


class Conflict(Exception):
    """A write refused because of the current state of other objects (HTTP 409).

    ``conflicts`` describes those objects, for the error body.
    """

    detail = "Conflicts with the current state."

    def __init__(self, conflicts: list[dict[str, Any]] | None = None) -> None:
        super().__init__(self.detail)
        self.conflicts = conflicts or []
