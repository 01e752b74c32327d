"""What a client locked out of password sign-in sees (django-axes calls ``lockout_response``).

The lock itself, per account and per client address, is django-axes's (settings
``AXES_*``); this module only words the answer: a JSON error under ``/api/``, the
"locked out" page elsewhere, both ``429`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def lockout_minutes() -> int:
    """How long a lock lasts after the last failed attempt, in whole minutes."""
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed sign-in attempts for this account or from this address. "
        "Signing in with a password is blocked for %(minutes)d minute.",
        "Too many failed sign-in attempts for this account or from this address. "
        "Signing in with a password is blocked for %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The answer to a sign-in attempt refused by the lockout (the password is not checked)."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": lockout_message(), "minutes": lockout_minutes()},
            status=429,
        )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
