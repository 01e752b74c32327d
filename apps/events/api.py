"""What the API's views under ``/events/{event_slug}/`` share: the event in the URL, the
caller, write permissions and the create-read-update-delete of one resource."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Model
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request

from apps.accounts.idempotency import IdempotentCreateMixin
from apps.kernel.api import LanguageContextMixin
from apps.kernel.conditional import ConditionalMixin
from apps.kernel.persistence import instance_delete
from apps.kernel.providers import provided

from .models import Event


class EventMixin(LanguageContextMixin):
    """Views under ``/events/{event_slug}/``: the event (404 if unknown) and the caller."""

    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, slug=self.kwargs["event_slug"])

    @cached_property
    def principal(self) -> Any:
        """The caller as the visibility rules see them: ``Principal`` of ``delegations``,
        which provides it (this app may not import that one)."""
        return provided("principal")(user=self.request.user, event=self.event)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["event"] = self.event
            context["principal"] = self.principal
        return context


class OrganizerWrites(permissions.BasePermission):
    """Reads for everyone (the queryset already holds only what the caller may see); writes
    for the event's organizers. Objects that exist but may not be changed answer 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return self.may_write(request, view)

    def may_write(self, request: Request, view: Any) -> bool:
        return bool(view.principal.is_organizer)


class OrganizersOnly(permissions.BasePermission):
    """The event's organizers only, reads included (401 for anonymous callers, 403 for others)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return bool(view.principal.is_organizer)


class EventResourceViewSet(EventMixin, ConditionalMixin, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Create, read, update and delete a resource of the event in the URL.

    Subclasses give ``visible_queryset`` (from a selector) and ``save_object``, which calls the
    owning app's service: ``instance`` is ``None`` on create.
    """

    permission_classes = [OrganizerWrites]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no event
            serializer_class = self.get_serializer_class()
            if issubclass(serializer_class, serializers.ModelSerializer):
                model: type[Model] = serializer_class.Meta.model
                return model._default_manager.none()
        return self.visible_queryset()

    def visible_queryset(self) -> Any:
        """The rows the caller may see, from the owning app's selector."""
        raise NotImplementedError

    def save_object(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete_object(self, instance: Any) -> None:
        instance_delete(instance)

    def perform_create(self, serializer: Any) -> None:
        self.written_instance = serializer.instance = self.save_object(None, dict(serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        self.written_instance = serializer.instance = self.save_object(
            serializer.instance, dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Any) -> None:
        self.delete_object(instance)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # Answers about one object may carry what lists leave out (feed links).
        context["with_feeds"] = self.action in {"retrieve", "create", "update", "partial_update"}
        return context
