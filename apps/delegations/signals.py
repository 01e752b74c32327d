"""What delegations announce to the apps that follow registrations (feeds), which this app
does not import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

participants_bulk_saved = Signal()
"""Sent once by a bulk write of one event's participants (an import), inside its
transaction, with ``event`` and ``participant_ids`` (those created or changed). Each row's
own ``post_save`` is sent as usual, while :func:`in_bulk_save` is true: a receiver that
would do work per row after the commit skips those and does it once here."""

_in_bulk_save: ContextVar[bool] = ContextVar("participants_in_bulk_save", default=False)


def in_bulk_save() -> bool:
    """Whether the participants being saved now will be announced by
    :data:`participants_bulk_saved` when the bulk write ends."""
    return _in_bulk_save.get()


@contextmanager
def bulk_save() -> Iterator[None]:
    """Mark the saves in the block as one bulk write; whoever opens it sends
    :data:`participants_bulk_saved` for what it saved."""
    token = _in_bulk_save.set(True)
    try:
        yield
    finally:
        _in_bulk_save.reset(token)
