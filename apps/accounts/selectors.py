from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ApiToken


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """A user's own tokens, and nobody else's: not an organizer's participants', not even a
    superuser's view of others (superusers revoke others' tokens in the admin)."""
    return ApiToken.objects.select_related("user").filter(user=user)
