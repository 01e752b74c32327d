"""Conditional requests in the API: ``ETag`` on answers, ``If-None-Match`` gives 304 and
``If-Match`` on a change answers 412 when the resource changed since the client read it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.kernel.api import ViewMixinBase


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it: read it again (If-Match)."
    default_code = "precondition_failed"


def etag_for(instance: models.Model) -> str:
    """A strong validator for the stored state of ``instance``."""
    stamp = getattr(instance, "updated_at", None)
    raw = f"{instance._meta.label_lower}:{instance.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


class ConditionalMixin(ViewMixinBase):
    """``ETag`` on every detail answer; ``If-None-Match`` gives 304; ``If-Match`` on a change
    answers 412 when the resource changed since the client read it."""

    def get_object(self) -> Any:
        instance = super().get_object()
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
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag
        return response

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = getattr(self, "written_instance", None)
        if instance is not None and response.status_code in (200, 201):
            response["ETag"] = etag_for(instance)
        return response
