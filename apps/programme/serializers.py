from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.delegations.enums import Role
from apps.delegations.models import Delegation, Participant
from apps.events.models import Room
from gaplanner.api import EventScopedPrimaryKeyField, EventTimeField, StrictFieldsMixin, TranslationsField

from .models import Session


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
            "expected_attendance",
            "sequence",
            "updated_at",
        ]
        read_only_fields = ["sequence", "updated_at"]
        extra_kwargs = {"code": {"required": False}}

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if isinstance(self.instance, Session):
            fields["code"].read_only = True  # a session's code never changes
        return fields
