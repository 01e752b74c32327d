from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.kernel.conditional import ConditionalMixin
from apps.kernel.links import links

from .models import ApiToken
from .selectors import api_tokens_visible_to
from .serializers import ApiTokenSerializer, NewApiTokenSerializer, TokenRequestSerializer
from .services import api_token_create, api_token_revoke


class TokenObtainView(APIView):
    """Exchange a username and password for an API token (shown once)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "login"

    @extend_schema(request=TokenRequestSerializer, responses={201: NewApiTokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["Unable to sign in with these credentials."]})
        row, token = api_token_create(user=user, name=data.validated_data.get("name", ""))
        row.token = token  # type: ignore[attr-defined]  # shown once in the answer, never stored
        return Response(NewApiTokenSerializer(row).data, status=status.HTTP_201_CREATED)


class ApiTokenViewSet(ConditionalMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens. ``DELETE`` revokes a token; the row stays, to show when
    it was revoked."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_visible_to(self.request.user).order_by("-created_at", "id")

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who the caller is: their account, the events they organize, their registrations."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "email": serializers.EmailField(),
                "is_superuser": serializers.BooleanField(),
                "organizer_of": serializers.ListField(child=serializers.SlugField()),
                "participations": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated:  # refused by IsAuthenticated already; narrows the type
            raise exceptions.NotAuthenticated()
        participations = user.participations.filter(is_active=True).select_related("event")
        return Response(
            {
                "username": user.get_username(),
                "email": user.email,
                "is_superuser": user.is_superuser,
                "organizer_of": sorted(user.organized_events.values_list("slug", flat=True)),
                "participations": [
                    {
                        "event": p.event.slug,
                        "participant": p.pk,
                        "delegation": p.delegation_id,
                        "role": p.role,
                        "feeds": links("participant_feeds", p),
                    }
                    for p in participations
                ],
            }
        )
