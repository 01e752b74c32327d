"""What every part of the REST API shares: paging, errors, languages and event times."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.kernel import i18n
from apps.kernel.errors import Conflict
from apps.kernel.timezones import NotADateTime, parse_event_instant

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    # To the type checker a mixin is the class it is mixed into, so that ``self`` and
    # ``super()`` have that class's attributes; at run time it is a plain class.
    ViewMixinBase = GenericAPIView[Any]
    SerializerMixinBase = serializers.Serializer[Any]
else:
    ViewMixinBase = SerializerMixinBase = object


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error body for the whole API: ``{"detail": …}`` plus ``{"errors": {field: [...]}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_errors(exc))
    elif isinstance(exc, Conflict):
        return Response({"detail": exc.detail, "conflicts": exc.conflicts}, status=409)
    elif isinstance(exc, RestrictedError | ProtectedError):
        exc = InUse()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {
            "detail": "Invalid input.",
            "errors": {name: _messages(value) for name, value in errors.items()},
        }
    return response


def _messages(value: Any, prefix: str = "") -> list[str]:
    """A field's errors as a flat list of strings; an item of a list is named by its position
    (``"item 2: Not a valid choice."``)."""
    if isinstance(value, dict):
        return [m for key, inner in value.items() for m in _messages(inner, f"{prefix}item {key}: ")]
    if isinstance(value, list):
        return [m for inner in value for m in _messages(inner, prefix)]
    return [f"{prefix}{value}"]


class InUse(exceptions.APIException):
    status_code = 409
    default_detail = "Still in use: remove or move what refers to it first."
    default_code = "in_use"


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"non_field_errors": exc.messages}


def requested_language(request: Request | None) -> str | None:
    """The language a caller asked for with ``?lang=``, else by ``Accept-Language``; none when
    neither is sent: then answers keep every language."""
    if request is None:
        return None
    code = request.query_params.get("lang")
    if code is None:
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            return None
        return translation.get_language_from_request(request._request)
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
    """Multilingual text: an object by language, or one string when ``?lang=`` asks for it.

    Its limits (length per language, line breaks) are those of the model field it fills.
    """

    multiline = True
    max_length: int | None = None

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        model = getattr(getattr(parent, "Meta", None), "model", None)
        try:
            model_field = model._meta.get_field(self.source) if model is not None else None
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None:
            self.multiline = getattr(model_field, "multiline", True)
            self.max_length = model_field.max_length

    def to_representation(self, value: Any) -> Any:
        language = self.context.get("language")
        if language:
            event = self.context.get("event")
            return i18n.pick(value, language, [event.default_language] if event else [])
        return value

    def to_internal_value(self, data: Any) -> Any:
        try:
            return i18n.clean_translations(
                data, required=self.required, multiline=self.multiline, max_length=self.max_length
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


@extend_schema_field(OpenApiTypes.DATETIME)
class EventTimeField(serializers.DateTimeField):
    """An instant written in the event's time zone with its offset: ``2025-11-24T09:00:00+01:00``."""

    default_error_messages = {
        "invalid": "Enter a date and time such as 2025-11-24T09:00:00+01:00 (without an offset: event time).",
    }

    def to_representation(self, value: Any) -> Any:
        event = self.context["event"]
        return value.astimezone(event.zone).isoformat()

    def to_internal_value(self, value: Any) -> Any:
        try:
            return parse_event_instant(value, self.context["event"].zone)
        except NotADateTime:
            self.fail("invalid")
        except ValueError as exc:  # a time the zone skips or repeats, an offset no zone uses
            raise serializers.ValidationError(str(exc)) from exc


class LanguageContextMixin(ViewMixinBase):
    """Puts ``language`` (from ``?lang=``) into serializer context."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["language"] = requested_language(self.request)
        return context


class EventScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related object by id, among those of the event in the URL only: an id of another
    event is answered as if it did not exist."""

    def __init__(self, *, event_path: str, **kwargs: Any) -> None:
        self.event_path = event_path
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any] | None:
        event = self.context.get("event")
        queryset = super().get_queryset()
        if queryset is None:  # a read-only field chooses nothing
            return None
        return queryset.filter(**{self.event_path: event}) if event else queryset.none()


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["detail"],
}
_ERRORS = {
    "400": "Invalid input: `errors` names each field.",
    "401": "Not signed in (send `Authorization: Token …`).",
    "403": "Signed in, but not allowed to do this.",
    "404": "Unknown, or not visible to the caller.",
    "409": "Conflicts with the current state (a resource still in use, a request still running).",
    "412": "`If-Match` does not match the current `ETag`: read the resource again.",
    "415": "The body is not in a media type the operation reads (JSON, a form or multipart).",
    "422": "The `Idempotency-Key` was used for another request.",
    "429": "Too many requests: retry after `Retry-After` seconds.",
    "503": "The database is busy with another write, or cannot be reached: retry after `Retry-After` seconds.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: every operation lists the errors it can answer, with one error
    body, and the headers that make writes safe (``If-Match``, ``Idempotency-Key``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = {"429", "503"}  # 503: any operation may meet a database that is unreachable
            has_params = bool(operation.get("parameters")) or "requestBody" in operation
            if has_params:
                codes.add("400")
            if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
                codes.add("404")  # an object not visible, or a page past the end
            if method != "get" or operation.get("security") == [{"tokenAuth": []}, {"cookieAuth": []}]:
                codes |= {"401", "403"}
            if method in {"post", "put", "patch", "delete"}:
                codes.add("409")
            if "requestBody" in operation:
                codes.add("415")  # a body whose Content-Type no parser of the view reads
            parameters = operation.setdefault("parameters", [])
            if method in {"put", "patch", "delete"} and "{" in path:
                codes.add("412")
                parameters.append(_header("If-Match", "The `ETag` read last: a stale one answers 412."))
            if method == "post" and not path.rstrip("/").endswith(("cancel", "token")):
                codes.add("422")
                parameters.append(_header("Idempotency-Key", "Makes a retried create return the first answer."))
            if method == "get":
                parameters.append(
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "Answer multilingual text in this language only (a string, not an object).",
                        "schema": {"type": "string"},
                    }
                )
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": _ERRORS[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description, "schema": {"type": "string"}}


class StrictFieldsMixin(SerializerMixinBase):
    """Refuses fields the resource does not have, naming them, instead of ignoring a typo.

    Read-only fields are known: a client may send back what it read; they are ignored.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "example": "07:30"})
class LocalTimeField(serializers.TimeField):
    """A time of day on the event's clocks (``07:30``), with no offset."""
