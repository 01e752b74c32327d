"""Bounds on the query string, checked before any view parses it.

Every parameter a view reads (a search, a version number, a page) then arrives short enough
to be validated cheaply, whichever server (``runserver``, gunicorn) passed the request line on.
A request over a bound answers 400 naming the parameter: a JSON error body under ``/api/``,
the "bad request" page elsewhere. The forms and filters keep their own, tighter bounds
(a search of at most 200 characters); these are the ceiling for every parameter, also those
no form declares. ``bad_request`` words Django's own 400s (``handler400``) the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def query_string_errors(
    query_string: str, *, max_parameters: int, max_name_length: int, max_value_length: int
) -> dict[str, list[str]]:
    """What is wrong with ``query_string``, by parameter name; empty when it is within bounds.

    Too many parameters is reported under ``query_string`` without parsing the rest. Lengths
    are counted in characters after decoding (``%C3%A9`` is one character).
    """
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, max_num_fields=max_parameters)
    except ValueError:
        count = query_string.count("&") + 1
        return {
            "query_string": [
                _("Too many parameters: %(count)d; at most %(limit)d.") % {"count": count, "limit": max_parameters}
            ]
        }
    errors: dict[str, list[str]] = {}
    for name, value in pairs:
        if len(name) > max_name_length:
            errors.setdefault("query_string", []).append(
                _("A parameter name is %(length)d characters long; at most %(limit)d.")
                % {"length": len(name), "limit": max_name_length}
            )
        elif len(value) > max_value_length:
            errors.setdefault(name, []).append(
                _("Too long: %(length)d characters; at most %(limit)d.")
                % {"length": len(value), "limit": max_value_length}
            )
    return errors


class QueryStringLimitMiddleware:
    """Refuses a query string over the bounds in settings (``QUERY_STRING_MAX_PARAMETERS``,
    ``QUERY_STRING_MAX_VALUE_LENGTH``) with a 400 that names each parameter at fault."""

    MAX_NAME_LENGTH = 100

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query_string = request.META.get("QUERY_STRING", "")
        if query_string:
            errors = query_string_errors(
                query_string,
                max_parameters=settings.QUERY_STRING_MAX_PARAMETERS,
                max_name_length=self.MAX_NAME_LENGTH,
                max_value_length=settings.QUERY_STRING_MAX_VALUE_LENGTH,
            )
            if errors:
                return bad_request_response(request, errors)
        return self.get_response(request)


def bad_request_response(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    """A 400 naming what is wrong, by parameter or field: the API's error body under ``/api/``,
    the "bad request" page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Invalid input.", "errors": errors}, status=400)
    return render(request, "400.html", {"errors": sorted(errors.items())}, status=400)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 (``handler400``): a request Django itself refused, such as a form body
    over ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields; named where Django says what it was."""
    if isinstance(exception, TooManyFieldsSent):
        problem = _("Too many fields: at most %(limit)d.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    elif isinstance(exception, TooManyFilesSent):
        problem = _("Too many files: at most %(limit)d.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    elif isinstance(exception, RequestDataTooBig):
        problem = _("Too large: at most %(limit)d bytes.") % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    else:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Bad request."}, status=400)
        return render(request, "400.html", {"errors": []}, status=400)
    return bad_request_response(request, {"form": [problem]})
