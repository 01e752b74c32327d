"""``events/{slug}/imports/``: organizers send a CSV file of participants; a worker checks it;
they read its progress and report, then confirm with ``apply/`` (docs/decisions/020-background-imports.md).
Anyone but the event's organizers gets 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, parsers, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.events.api import EventMixin
from apps.kernel.api import EventTimeField

from .import_jobs import (
    ImportNotReady,
    participant_import_confirm,
    participant_import_create,
    participant_imports_of_event,
)
from .models import ParticipantImport

# As on the Imports page: far above the largest assembly's list.
MAX_BYTES = 10 * 1024 * 1024


class CSVParser(parsers.BaseParser):
    """A request body that is the CSV file itself (``Content-Type: text/csv``)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:  # type: ignore[override]  # request.data: the CSV bytes
        return stream.read(MAX_BYTES + 1) if stream is not None else b""


class OrganizersOnlyElseNotFound(permissions.BasePermission):
    """The event's organizers; to anyone else the imports do not exist (404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not view.principal.is_organizer:
            raise Http404
        return True


class ParticipantImportSerializer(serializers.ModelSerializer[ParticipantImport]):
    url = serializers.SerializerMethodField()
    apply_url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    created_at = EventTimeField(read_only=True)
    checked_at = EventTimeField(read_only=True, allow_null=True)
    finished_at = EventTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ParticipantImport
        fields = [
            "id",
            "url",
            "state",
            "filename",
            "progress",
            "report",
            "apply_url",
            "created_at",
            "checked_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _absolute(self, name: str, job: ParticipantImport) -> str:
        path = reverse(f"api:{name}", args=[self.context["event"].slug, job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, job: ParticipantImport) -> str:
        return self._absolute("participant-import", job)

    def get_apply_url(self, job: ParticipantImport) -> str:
        return self._absolute("participant-import-apply", job)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}},
            "description": "Rows checked (or written) of the file's rows; total 0 until the file is read.",
        }
    )
    def get_progress(self, job: ParticipantImport) -> dict[str, int]:
        return {"done": job.rows_done, "total": job.rows_total}


class _ImportView(EventMixin, APIView):
    permission_classes = [OrganizersOnlyElseNotFound]

    def answer(self, job: ParticipantImport, *, code: int = status.HTTP_200_OK) -> Response:
        data = ParticipantImportSerializer(job, context=self.get_serializer_context()).data
        headers = {"Location": data["url"]} if code == status.HTTP_202_ACCEPTED else None
        return Response(data, status=code, headers=headers)

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "event": self.event}

    def job(self) -> ParticipantImport:
        return get_object_or_404(participant_imports_of_event(event=self.event), pk=self.kwargs["job_id"])


class ParticipantImportCreateView(_ImportView):
    """Send a CSV file of participants (the body itself as ``text/csv``, or ``file`` in a
    multipart form): ``202`` with the import's URL, where a worker's check shows up."""

    parser_classes = [CSVParser, parsers.MultiPartParser]

    @extend_schema(
        request={
            "text/csv": {"type": "string", "format": "binary"},
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        responses={202: ParticipantImportSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filename, content = self._upload(request)
        if len(content) > MAX_BYTES:
            raise exceptions.ValidationError({"file": ["The file is larger than 10 MB."]})
        job = participant_import_create(
            event=self.event, user=request.user, filename=filename, content=content, language=get_language()
        )
        return self.answer(job, code=status.HTTP_202_ACCEPTED)

    @staticmethod
    def _upload(request: Request) -> tuple[str, bytes]:
        if isinstance(request.data, bytes):
            return "", request.data
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if upload is None or not hasattr(upload, "read"):
            raise exceptions.ValidationError({"file": ["Send a CSV file: the body as text/csv, or file in a form."]})
        if upload.size > MAX_BYTES:
            raise exceptions.ValidationError({"file": ["The file is larger than 10 MB."]})
        return upload.name or "", upload.read()


class ParticipantImportDetailView(_ImportView):
    """An import: ``state`` (queued, checking, checked, importing, done, failed), ``progress``
    (rows done of total), and ``report`` (counts, and problems by row and column)."""

    @extend_schema(responses=ParticipantImportSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.answer(self.job())


class ParticipantImportApplyView(_ImportView):
    """Import a checked file: ``202``, then a worker writes every row or none. ``409`` unless
    the import is checked and without problems."""

    @extend_schema(request=None, responses={202: ParticipantImportSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.job()
        try:
            job = participant_import_confirm(job=job)
        except ImportNotReady as exc:
            raise NotReady(
                detail=f"Only a checked import without problems can be applied; this one is {job.state}."
            ) from exc
        return self.answer(job, code=status.HTTP_202_ACCEPTED)


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only a checked import without problems can be applied."
    default_code = "import_not_ready"
