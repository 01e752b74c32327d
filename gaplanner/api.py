"""What every part of the REST API shares: paging, errors, languages and event times."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gaplanner import i18n


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error body for the whole API: ``{"detail": …}`` plus ``{"errors": {field: [...]}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": "Invalid input.", "errors": errors}
    return response


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"non_field_errors": exc.messages}


def requested_language(request: Request | None) -> str | None:
    """The language a caller asked for with ``?lang=``, else none (answers keep every language)."""
    if request is None:
        return None
    code = request.query_params.get("lang")
    if code is None:
        return None
    if not i18n.is_language_code(code):
        raise exceptions.ValidationError({"lang": [f"{code!r} is not a language code."]})
    return code


@extend_schema_field(
    {
        "oneOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "string"}],
        "description": "Text by language code; a string when `lang` is given.",
    }
)
class TranslationsField(serializers.JSONField):
    """Multilingual text: an object by language, or one string when ``?lang=`` asks for it."""

    def to_representation(self, value: Any) -> Any:
        language = self.context.get("language")
        if language:
            event = self.context.get("event")
            return i18n.pick(value, language, [event.default_language] if event else [])
        return value

    def to_internal_value(self, data: Any) -> Any:
        try:
            return i18n.clean_translations(data, required=self.required)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


@extend_schema_field(OpenApiTypes.DATETIME)
class EventTimeField(serializers.DateTimeField):
    """An instant written in the event's time zone with its offset: ``2025-11-24T09:00:00+01:00``."""

    def to_representation(self, value: Any) -> Any:
        event = self.context["event"]
        return value.astimezone(event.zone).isoformat()


class LanguageContextMixin:
    """Puts ``language`` (from ``?lang=``) into serializer context."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["language"] = requested_language(self.request)  # type: ignore[attr-defined]
        return context
