from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import ApiToken


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """A user's own tokens; an organizer also sees those of their events' participants; a
    superuser sees all."""
    tokens = ApiToken.objects.select_related("user")
    if user.is_superuser:
        return tokens
    return tokens.filter(Q(user=user) | Q(user__participations__event__organizers=user)).distinct()
