"""Idempotent creates in the API: the ``Idempotency-Key`` a user sends is kept with the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from .services import (
    IdempotencyConflict,
    IdempotencyInProgress,
    idempotency_fingerprint,
    idempotency_key_claim,
    idempotency_key_store,
)

if TYPE_CHECKING:
    from rest_framework.generics import CreateAPIView

    # To the type checker the mixin is the view it is mixed into (see apps.kernel.api).
    _CreateViewBase = CreateAPIView[Any]
else:
    _CreateViewBase = object

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for another request."
    default_code = "idempotency_key_reused"


class IdempotencyKeyBusy(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still running: retry later."
    default_code = "idempotency_key_in_progress"


class IdempotentCreateMixin(_CreateViewBase):
    """A create sent again with the same ``Idempotency-Key`` (per user) gets the first answer
    and creates nothing; the same key with another body answers 422."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key or not request.user.is_authenticated:
            return super().create(request, *args, **kwargs)
        if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
        fingerprint = idempotency_fingerprint(
            method=request.method or "", path=request.get_full_path(), body=request.body
        )
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
            response = super().create(request, *args, **kwargs)
            idempotency_key_store(record=record, status_code=response.status_code, body=response.data)
        return response
