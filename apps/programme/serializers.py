from __future__ import annotations

from rest_framework import serializers

from gaplanner.api import EventTimeField, TranslationsField

from .models import Session


class SessionSerializer(serializers.ModelSerializer[Session]):
    title = TranslationsField()
    description = TranslationsField(required=False)
    start = EventTimeField()
    end = EventTimeField()
    room_name = serializers.CharField(source="room.name", read_only=True, default=None, allow_null=True)

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
        read_only_fields = fields
