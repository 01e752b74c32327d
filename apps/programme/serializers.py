from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.delegations.enums import Role
from apps.delegations.models import Delegation, Participant
from apps.events.models import Room
from apps.kernel.api import EventScopedPrimaryKeyField, EventTimeField, StrictFieldsMixin, TranslationsField

from .models import CHANGE_KINDS, AuditEntry, ScheduleVersion, Session
from .selectors import change_entries_visible_to


class SessionSerializer(StrictFieldsMixin, serializers.ModelSerializer[Session]):
    title = TranslationsField()
    description = TranslationsField(required=False)
    start = EventTimeField()
    end = EventTimeField()
    room = EventScopedPrimaryKeyField(
        event_path="venue__event", queryset=Room.objects.all(), allow_null=True, required=False
    )
    room_name = serializers.CharField(source="room.name", read_only=True, default=None, allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    participants = EventScopedPrimaryKeyField(
        event_path="event", queryset=Participant.objects.all(), many=True, required=False
    )
    delegations = EventScopedPrimaryKeyField(
        event_path="event", queryset=Delegation.objects.all(), many=True, required=False
    )
    updated_at = EventTimeField(read_only=True)
    warnings = serializers.SerializerMethodField(
        help_text="In the answer to a create or update: the schedule's warnings involving this session."
    )
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False)

    class Meta:
        model = Session
        fields = [
            "code",
            "kind",
            "title",
            "description",
            "room",
            "room_name",
            "start",
            "end",
            "status",
            "visibility",
            "languages",
            "participants",
            "delegations",
            "roles",
            "for_everyone",
            "for_member_delegations",
            "expected_attendance",
            "sequence",
            "updated_at",
            "warnings",
        ]
        read_only_fields = ["sequence", "updated_at"]
        extra_kwargs = {"code": {"required": False}}

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_warnings(self, session: Session) -> list[dict[str, Any]]:
        return self.context.get("warnings", [])

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if isinstance(self.instance, Session):
            fields["code"].read_only = True  # a session's code never changes
        return fields


class ScheduleVersionSerializer(serializers.ModelSerializer[ScheduleVersion]):
    published_at = EventTimeField(read_only=True)
    published_by = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = ScheduleVersion
        fields = ["number", "note", "published_at", "published_by", "changes", "warnings"]
        read_only_fields = fields

    def _principal(self) -> Any:
        return self.context["principal"]

    def get_published_by(self, version: ScheduleVersion) -> str | None:
        if not self._principal().is_organizer or version.published_by is None:
            return None
        return version.published_by.get_username()

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_changes(self, version: ScheduleVersion) -> list[dict[str, Any]]:
        return change_entries_visible_to(self._principal(), [version])

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_warnings(self, version: ScheduleVersion) -> list[dict[str, Any]]:
        return version.warnings if self._principal().is_organizer else []


class ScheduleVersionSummarySerializer(serializers.ModelSerializer[ScheduleVersion]):
    """A version in the list: what it is and, for organizers, how many changes of each kind
    and warnings it holds (the changes as each caller may see them are in its detail)."""

    url = serializers.SerializerMethodField()
    published_at = EventTimeField(read_only=True)
    published_by = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField(
        help_text="Organizers: the number of changes of each kind (null for anyone else)."
    )
    warnings_count = serializers.SerializerMethodField(
        help_text="Organizers: the number of warnings confirmed (null for anyone else)."
    )

    class Meta:
        model = ScheduleVersion
        fields = ["number", "url", "note", "published_at", "published_by", "counts", "warnings_count"]
        read_only_fields = fields

    def _principal(self) -> Any:
        return self.context["principal"]

    def get_url(self, version: ScheduleVersion) -> str:
        path = reverse(
            "api:version-detail", kwargs={"event_slug": self.context["event"].slug, "number": version.number}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_published_by(self, version: ScheduleVersion) -> str | None:
        if not self._principal().is_organizer or version.published_by is None:
            return None
        return version.published_by.get_username()

    @extend_schema_field(
        {"type": "object", "nullable": True, "additionalProperties": {"type": "integer"}, "example": {"moved": 2}}
    )
    def get_counts(self, version: ScheduleVersion) -> dict[str, int] | None:
        if not self._principal().is_organizer:
            return None
        return {kind: getattr(version, f"count_{kind}") for kind in CHANGE_KINDS}

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_warnings_count(self, version: ScheduleVersion) -> int | None:
        return getattr(version, "count_warnings") if self._principal().is_organizer else None  # noqa: B009


class PublishSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    confirm_warnings = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Publish although sessions it adds, moves or changes have warnings.",
    )


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    at = EventTimeField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "username", "channel", "token_prefix", "action", "code", "before", "after"]
        read_only_fields = fields
