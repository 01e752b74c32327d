from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.kernel.api import EventScopedPrimaryKeyField, LocalTimeField, StrictFieldsMixin, TranslationsField
from apps.kernel.links import links, subscription_urls

from .models import Event, Room, Venue


class EventSerializer(StrictFieldsMixin, serializers.ModelSerializer[Event]):
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

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["slug"].read_only = True  # URLs and feeds carry the slug: it never changes
        return fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "programme": {"type": "string"},
                "sessions": {"type": "string"},
                "feed": {"type": "object", "additionalProperties": {"type": "string"}},
                "schedule_json": {"type": "string"},
                "schedule_xml": {"type": "string"},
                "feeds": {
                    "type": "object",
                    "nullable": True,
                    "description": "The public feeds per local day, room and kind of session, each with "
                    "its https, webcal and Google links; in the event's own answer, null in lists.",
                    "properties": {
                        part: {"type": "array", "items": {"type": "object", "additionalProperties": True}}
                        for part in ("days", "rooms", "kinds")
                    },
                },
            },
        }
    )
    def get_links(self, event: Event) -> dict[str, Any]:
        request = self.context["request"]
        return {
            "programme": request.build_absolute_uri(event.get_absolute_url()),
            "sessions": request.build_absolute_uri(reverse("api:session-list", kwargs={"event_slug": event.slug})),
            "feed": subscription_urls(reverse("feeds:public", kwargs={"event_slug": event.slug})),
            "schedule_json": request.build_absolute_uri(reverse("feeds:frab-json", kwargs={"event_slug": event.slug})),
            "schedule_xml": request.build_absolute_uri(reverse("feeds:frab-xml", kwargs={"event_slug": event.slug})),
            # Per day, room and kind: a programme past what calendar clients accept from one
            # address is followed in parts. Its rooms cost a query: answers about one event only.
            "feeds": links("public_feeds", event) if self.context.get("with_feeds") else None,
        }


class VenueSerializer(StrictFieldsMixin, serializers.ModelSerializer[Venue]):
    opens = LocalTimeField(required=False, allow_null=True)
    closes = LocalTimeField(required=False, allow_null=True)

    class Meta:
        model = Venue
        fields = ["id", "name", "address", "latitude", "longitude", "opens", "closes"]


class RoomSerializer(StrictFieldsMixin, serializers.ModelSerializer[Room]):
    venue = EventScopedPrimaryKeyField(event_path="event", queryset=Venue.objects.all())
    booths = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Room
        fields = ["id", "venue", "name", "kind", "capacity", "booths"]
