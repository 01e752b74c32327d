"""Webhook endpoints and deliveries as organizers list them in the API."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.events.models import Event

from ..models import WebhookDelivery, WebhookEndpoint


def webhook_endpoints_of_event(*, event: Event) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(event=event).order_by("id")


def webhook_deliveries_of_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
