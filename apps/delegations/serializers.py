from __future__ import annotations

from typing import Any

from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.kernel.api import EventScopedPrimaryKeyField, EventTimeField, StrictFieldsMixin, TranslationsField
from apps.kernel.links import links

from .models import Delegation, Participant

# Fields of a participant that only organizers set; others' values are ignored.
ORGANIZER_ONLY_PARTICIPANT_FIELDS = ("delegation", "is_active")


class DelegationSerializer(StrictFieldsMixin, serializers.ModelSerializer[Delegation]):
    country = CountryField(required=False, allow_blank=True)
    organisation = TranslationsField(required=False)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = ["id", "kind", "country", "organisation", "name", "region"]

    def get_name(self, delegation: Delegation) -> str:
        return delegation.display_name(self.context.get("language"))


class ParticipantSerializer(StrictFieldsMixin, serializers.ModelSerializer[Participant]):
    delegation = EventScopedPrimaryKeyField(
        event_path="event", queryset=Delegation.objects.all(), allow_null=True, required=False
    )
    updated_at = EventTimeField(read_only=True)
    feeds = serializers.SerializerMethodField(
        help_text="In the answer about one participant: the calendar feeds they subscribe to (https, webcal, Google)."
    )

    class Meta:
        model = Participant
        fields = [
            "id",
            "delegation",
            "role",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_active",
            "user",
            "updated_at",
            "feeds",
        ]
        read_only_fields = ["user", "updated_at"]

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": {"type": "object"}})
    def get_feeds(self, participant: Participant) -> dict[str, Any] | None:
        # Lists leave them out: a feed is made on first use, and a list must not write.
        return links("participant_feeds", participant) if self.context.get("with_feeds") else None

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        principal = self.context.get("principal")
        if principal is None or not principal.is_organizer:
            for name in ORGANIZER_ONLY_PARTICIPANT_FIELDS:
                fields[name].read_only = True
        return fields


class ProfileSerializer(StrictFieldsMixin, serializers.ModelSerializer[Participant]):
    """What a participant may change of their own registration."""

    feeds = serializers.SerializerMethodField(help_text="The calendar feeds they subscribe to.")

    class Meta:
        model = Participant
        fields = ["id", "delegation", "role", "first_name", "last_name", "email", "language", "feeds"]
        read_only_fields = ["id", "delegation", "role", "email"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
    def get_feeds(self, participant: Participant) -> dict[str, Any]:
        return links("participant_feeds", participant)
