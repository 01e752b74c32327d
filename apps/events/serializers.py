from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gaplanner.api import TranslationsField

from .models import Event


class EventSerializer(serializers.ModelSerializer[Event]):
    name = TranslationsField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "slug",
            "name",
            "timezone",
            "start_date",
            "end_date",
            "languages",
            "default_language",
            "reminder_lead_minutes",
            "links",
        ]

    @extend_schema_field(
        {"type": "object", "properties": {"programme": {"type": "string"}, "sessions": {"type": "string"}}}
    )
    def get_links(self, event: Event) -> dict[str, Any]:
        request = self.context["request"]
        return {
            "programme": request.build_absolute_uri(event.get_absolute_url()),
            "sessions": request.build_absolute_uri(reverse("api:session-list", kwargs={"event_slug": event.slug})),
        }
