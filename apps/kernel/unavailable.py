"""A request that cannot reach the database answers ``503 Service Unavailable`` with
``Retry-After``, never a 500 with a traceback.

Unreachable means: no connection could be made (PostgreSQL stopped, restarting, refusing
connections, out of connection slots; SQLite's file cannot be opened), or the connection was
lost under the request (the server restarted). A busy database is :mod:`apps.kernel.busy`'s;
any other database error stays a 500.

Nothing needs restarting afterwards: Django closes a connection that failed at the end of the
request (``close_old_connections``), and a kept one (``CONN_MAX_AGE``) is checked before it is
used again (``CONN_HEALTH_CHECKS``), so the next request connects anew.

The outage is logged once per process when it begins and once when the database answers
again, with the error's class and SQLSTATE only: a driver's message names hosts and accounts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .busy import is_database_busy

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: a restart takes a few.
RETRY_AFTER = 10
# PostgreSQL: connection_exception (class 08), admin_shutdown, crash_shutdown,
# cannot_connect_now (starting up or shutting down), too_many_connections.
_UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite: the file cannot be opened or read.
_UNREACHABLE_SQLITE = ("SQLITE_CANTOPEN", "SQLITE_IOERR")
# Paths of files that programs fetch (calendar feeds, schedule exports): a plain-text answer.
_FILE_SUFFIXES = (".ics", ".json", ".xml")


def is_database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached, rather than busy or broken."""
    if isinstance(exc, InterfaceError):  # the connection was closed under the request
        return True
    if not isinstance(exc, OperationalError) or is_database_busy(exc):
        return False
    cause = exc.__cause__
    if hasattr(cause, "sqlstate"):  # psycopg: no SQLSTATE when the client lost or never had a connection
        sqlstate: str | None = getattr(cause, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNREACHABLE_SQLSTATES
    return str(getattr(cause, "sqlite_errorname", "")).startswith(_UNREACHABLE_SQLITE)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: ``{"detail": …}`` under ``/api/``, plain text for feeds and
    exports, a short page elsewhere."""
    message = _("The planner cannot reach its database for the moment: retry in a few seconds.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    elif request.path.endswith(_FILE_SUFFIXES):
        response = HttpResponse(f"{message}\n", status=503, content_type="text/plain; charset=utf-8")
    else:
        # No request in the context: its processors would read the user from the database.
        response = HttpResponse(render_to_string("gaplanner/unavailable.html", request=None), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # Logged once per outage by the middleware, not once per request by django.request.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseUnavailableMiddleware:
    """Turns a view's error that means "database unreachable" into :func:`unavailable_response`."""

    # When this process first met the outage (``time.monotonic()``), None while all is well.
    down_since: float | None = None

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        since = DatabaseUnavailableMiddleware.down_since
        if since is not None and response.status_code != 503:
            connection = connections[DEFAULT_DB_ALIAS]
            if connection.connection is not None and not connection.errors_occurred:
                DatabaseUnavailableMiddleware.down_since = None
                logger.info("Database reachable again after %d s", round(time.monotonic() - since))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unreachable(exception):
            return None
        if DatabaseUnavailableMiddleware.down_since is None:
            DatabaseUnavailableMiddleware.down_since = time.monotonic()
            sqlstate = getattr(exception.__cause__, "sqlstate", None)
            logger.warning(
                "Database unreachable (%s%s): requests answer 503 until it is back",
                type(exception).__name__,
                f", SQLSTATE {sqlstate}" if sqlstate else "",
            )
        return unavailable_response(request)
