from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiToken
from .services import api_token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <token>``, checked against the stored digests."""

    model = ApiToken

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        result = super().authenticate(request)
        if result is not None:
            # The audit log names the token used (apps.kernel.audit_context reads it back).
            request._request.api_token = result[1]  # type: ignore[attr-defined]  # an attribute of this project's own
        return result

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = api_token_authenticate(token=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token
