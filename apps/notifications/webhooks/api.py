"""Webhooks in the API: organizers register endpoints, rotate their secrets, follow their
deliveries and send one again. Nobody else sees them (docs/webhooks.md)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.events.api import EventMixin, EventResourceViewSet, OrganizersOnly
from apps.kernel.api import EventTimeField, StrictFieldsMixin

from ..enums import WebhookTopic
from ..models import WebhookDelivery, WebhookEndpoint
from .selectors import webhook_deliveries_of_endpoint, webhook_endpoints_of_event
from .services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_secret_rotate,
)


class WebhookEndpointSerializer(StrictFieldsMixin, serializers.ModelSerializer[WebhookEndpoint]):
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookTopic.choices),
        allow_empty=False,
        max_length=len(WebhookTopic.choices),
        help_text="The topics this URL receives.",
    )
    created_at = EventTimeField(read_only=True)
    updated_at = EventTimeField(read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "topics", "description", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """The answer to a create and to a secret rotation: the only ones that show the secret."""

    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery (X-Gaplanner-Signature). Shown in this answer only: keep it."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    # Plain strings in the schema: as enums they would rename the sessions' StatusEnum and
    # give the topics a second name (drf-spectacular resolves enum names per field name).
    topic = serializers.CharField(read_only=True, help_text="schedule.published, session.changed or session.cancelled.")
    status = serializers.CharField(
        read_only=True, help_text="pending (waiting for its first or next attempt), delivered or failed (gave up)."
    )
    next_attempt_at = EventTimeField(read_only=True, allow_null=True)
    last_attempt_at = EventTimeField(read_only=True, allow_null=True)
    delivered_at = EventTimeField(read_only=True, allow_null=True)
    created_at = EventTimeField(read_only=True)
    payload = serializers.JSONField(read_only=True, help_text="The body sent, less its `id`.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "topic",
            "key",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "payload",
        ]
        read_only_fields = fields


class WebhookViewSet(EventResourceViewSet):
    """The event's webhook endpoints (organizers only). The secret is in the answer to the
    create and to ``rotate-secret`` only."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [OrganizersOnly]
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self) -> type[WebhookEndpointSerializer]:
        if self.action in {"create", "rotate_secret"}:
            return WebhookEndpointWithSecretSerializer
        return WebhookEndpointSerializer

    def visible_queryset(self) -> QuerySet[WebhookEndpoint]:
        return webhook_endpoints_of_event(event=self.event)

    def save_object(self, instance: WebhookEndpoint | None, data: dict[str, Any]) -> WebhookEndpoint:
        if instance is None:
            return webhook_endpoint_create(event=self.event, **data)
        return webhook_endpoint_update(endpoint=instance, data=data)

    @extend_schema(request=None, responses=WebhookEndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new secret, shown in this answer; the old one signs nothing from now on."""
        self.written_instance = endpoint = webhook_secret_rotate(endpoint=self.get_object())
        return Response(self.get_serializer(endpoint).data)


@extend_schema(parameters=[OpenApiParameter("webhook_id", int, OpenApiParameter.PATH)])
class WebhookDeliveryViewSet(EventMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An endpoint's deliveries, newest first, with each one's status and last attempt."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [OrganizersOnly]
    filterset_fields = ["status", "topic"]
    lookup_value_regex = "[0-9]+"

    @cached_property
    def endpoint(self) -> WebhookEndpoint:
        return get_object_or_404(webhook_endpoints_of_event(event=self.event), pk=self.kwargs["webhook_id"])

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return webhook_deliveries_of_endpoint(endpoint=self.endpoint)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a delivered or failed delivery again, with a fresh count of attempts (409 while
        it is pending)."""
        delivery = webhook_delivery_redeliver(delivery=self.get_object())
        return Response(self.get_serializer(delivery).data, status=202)
