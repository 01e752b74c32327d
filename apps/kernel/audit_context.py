"""Who is writing, and through what: read by the audit log when a service writes.

Middleware puts the request here for the length of each request; commands (imports) say
what they are with :func:`acting_as`. Services never receive the request itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    user: Any = None
    channel: str = "system"  # "page", "admin", "api", "import" or "system"
    token_prefix: str = ""


_request: ContextVar[HttpRequest | None] = ContextVar("gaplanner_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("gaplanner_actor", default=None)


def current_actor() -> Actor:
    """The actor of the write under way: set explicitly, else from the current request."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is None:
        return Actor()
    user = getattr(request, "user", None)
    user = user if getattr(user, "is_authenticated", False) else None
    token = getattr(request, "api_token", None)
    if request.path.startswith("/api/"):
        return Actor(user=user, channel="api", token_prefix=token.prefix if token else "")
    channel = "admin" if request.path.startswith("/admin/") else "page"
    return Actor(user=user, channel=channel)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    reset = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(reset)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(reset)
