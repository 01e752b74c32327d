from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_organizers_group(**kwargs: Any) -> None:
    from .groups import organizers_group_ensure

    organizers_group_ensure()


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and API tokens")

    def ready(self) -> None:
        # Every app's migration ends with its permissions created; refreshing the group after
        # each keeps it whole whatever order the organizer apps migrate in.
        post_migrate.connect(_ensure_organizers_group, dispatch_uid="organizers-group")
