"""What the API's views share: the event in the URL, the caller, write permissions,
conditional requests (ETag, If-Match) and idempotent creates (Idempotency-Key)."""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any

from django.db import models, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.services import (
    IdempotencyConflict,
    IdempotencyInProgress,
    idempotency_fingerprint,
    idempotency_key_claim,
    idempotency_key_store,
)
from apps.delegations.selectors import Principal, principal_for
from apps.events.models import Event
from gaplanner.api import LanguageContextMixin
from gaplanner.persistence import instance_delete

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it: read it again (If-Match)."
    default_code = "precondition_failed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for another request."
    default_code = "idempotency_key_reused"


class IdempotencyKeyBusy(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still running: retry later."
    default_code = "idempotency_key_in_progress"


class EventMixin(LanguageContextMixin):
    """Views under ``/events/{event_slug}/``: the event (404 if unknown) and the caller."""

    kwargs: dict[str, Any]
    request: Request

    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, slug=self.kwargs["event_slug"])

    @cached_property
    def principal(self) -> Principal:
        return principal_for(user=self.request.user, event=self.event)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["event"] = self.event
            context["principal"] = self.principal
        return context


class OrganizerWrites(permissions.BasePermission):
    """Reads for everyone (the queryset already holds only what the caller may see); writes
    for the event's organizers. Objects that exist but may not be changed answer 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return self.may_write(request, view)

    def may_write(self, request: Request, view: Any) -> bool:
        return bool(view.principal.is_organizer)


def etag_for(instance: models.Model) -> str:
    """A strong validator for the stored state of ``instance``."""
    stamp = getattr(instance, "updated_at", None)
    raw = f"{instance._meta.label_lower}:{instance.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


class ConditionalMixin:
    """``ETag`` on every detail answer; ``If-None-Match`` gives 304; ``If-Match`` on a change
    answers 412 when the resource changed since the client read it."""

    request: Request

    def get_object(self) -> Any:
        instance = super().get_object()  # type: ignore[misc]
        if self.request.method not in permissions.SAFE_METHODS:
            header = self.request.headers.get("If-Match")
            if header and not _matches(header, etag_for(instance)):
                raise PreconditionFailed()
        return instance

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        etag = etag_for(instance)
        if _matches(request.headers.get("If-None-Match", ""), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response = Response(self.get_serializer(instance).data)  # type: ignore[attr-defined]
        response["ETag"] = etag
        return response

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        instance = getattr(self, "written_instance", None)
        if instance is not None and response.status_code in (200, 201):
            response["ETag"] = etag_for(instance)
        return response


class IdempotentCreateMixin:
    """A create sent again with the same ``Idempotency-Key`` (per user) gets the first answer
    and creates nothing; the same key with another body answers 422."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key or not request.user.is_authenticated:
            return super().create(request, *args, **kwargs)  # type: ignore[misc]
        if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
        fingerprint = idempotency_fingerprint(method=request.method, path=request.get_full_path(), body=request.body)
        with transaction.atomic():
            try:
                record = idempotency_key_claim(user=request.user, key=key, fingerprint=fingerprint)
            except IdempotencyConflict as exc:
                raise IdempotencyKeyReused() from exc
            except IdempotencyInProgress as exc:
                raise IdempotencyKeyBusy() from exc
            if record.status_code is not None:
                replayed = {"Idempotent-Replayed": "true"}
                return Response(record.response_body, status=record.status_code, headers=replayed)
            # A refused create raises out of this transaction, and the key is not kept: as
            # nothing was created, the corrected request may use it again.
            response = super().create(request, *args, **kwargs)  # type: ignore[misc]
            idempotency_key_store(record=record, status_code=response.status_code, body=response.data)
        return response


class EventResourceViewSet(EventMixin, ConditionalMixin, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Create, read, update and delete a resource of the event in the URL.

    Subclasses give ``visible_queryset`` (from a selector) and ``save_object``, which calls the
    owning app's service: ``instance`` is ``None`` on create.
    """

    permission_classes = [OrganizerWrites]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no event
            return self.get_serializer_class().Meta.model.objects.none()
        return self.visible_queryset()

    def visible_queryset(self) -> Any:
        """The rows the caller may see, from the owning app's selector."""
        raise NotImplementedError

    def save_object(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete_object(self, instance: Any) -> None:
        instance_delete(instance)

    def perform_create(self, serializer: Any) -> None:
        self.written_instance = serializer.instance = self.save_object(None, dict(serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        self.written_instance = serializer.instance = self.save_object(
            serializer.instance, dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        self.delete_object(instance)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # Answers about one object may carry what lists leave out (feed links).
        context["with_feeds"] = self.action in {"retrieve", "create", "update", "partial_update"}
        return context
