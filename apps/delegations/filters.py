from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from .models import Delegation, Participant
from .selectors import participants_matching

# The longest search text: longer than any name or address worth searching for.
SEARCH_MAX_LENGTH = 200


class DelegationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=SEARCH_MAX_LENGTH, help_text="Country code or organisation name."
    )

    class Meta:
        model = Delegation
        fields = ["kind", "region", "country"]

    def search(self, queryset: QuerySet[Delegation], name: str, value: str) -> QuerySet[Delegation]:
        return queryset.filter(Q(country__iexact=value) | Q(organisation__icontains=value))


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=SEARCH_MAX_LENGTH, help_text="Part of a name or e-mail address."
    )

    class Meta:
        model = Participant
        fields = ["delegation", "role", "language", "is_active"]

    def search(self, queryset: QuerySet[Participant], name: str, value: str) -> QuerySet[Participant]:
        return participants_matching(queryset, value)
