from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.kernel.organizer_admin import EventScopedAdmin

from .models import Feed
from .services import feed_revoke, feed_rotate


@admin.register(Feed)
class FeedAdmin(EventScopedAdmin):
    """Private feeds: their links are never shown here; organizers rotate or revoke them."""

    list_display = ["__str__", "event", "kind", "version", "revoked_at"]
    list_filter = ["event", "kind"]
    search_fields = ["participant__last_name", "participant__email", "delegation__country"]
    actions = ["rotate", "revoke"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Give the selected feeds new links (the old ones stop working)"))
    def rotate(self, request: Any, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            feed_rotate(feed=feed)
        messages.success(request, _("%(count)s feed links replaced.") % {"count": len(queryset)})

    @admin.action(description=_("Revoke the selected feeds"))
    def revoke(self, request: Any, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            feed_revoke(feed=feed)
        messages.success(request, _("%(count)s feeds revoked.") % {"count": len(queryset)})
