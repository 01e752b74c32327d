"""A write that meets a busy database answers ``503 Service Unavailable`` with ``Retry-After``,
never 500 (docs/decisions/020-background-imports.md).

Busy means: SQLite's write lock still held by another connection after the configured wait
(``database is locked``); on PostgreSQL a lock not granted within ``lock_timeout``, a
deadlock or a serialization failure. Each is worth the client's retry; any other database
error stays a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# PostgreSQL: lock_not_available (lock_timeout), deadlock_detected, serialization_failure.
_BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})
_SQLITE_BUSY = ("database is locked", "database table is locked")


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was busy rather than broken."""
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return any(text in str(exc) for text in _SQLITE_BUSY)


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: JSON under ``/api/``, a short page elsewhere."""
    retry_after = str(settings.DATABASE_BUSY_TIMEOUT)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": "The database is busy: retry in a few seconds."}, status=503)
    else:
        response = HttpResponse(render_to_string("gaplanner/busy.html", request=None), status=503)
    response["Retry-After"] = retry_after
    return response


class DatabaseBusyMiddleware:
    """Turns a view's ``OperationalError`` that means "busy" into :func:`busy_response`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        logger.warning("Database busy: %s %s answered 503 (%s)", request.method, request.path, exception)
        return busy_response(request)
