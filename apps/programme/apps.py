from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_organizers_group(**kwargs: Any) -> None:
    from .services import organizers_group_ensure

    organizers_group_ensure()


class ProgrammeConfig(AppConfig):
    name = "apps.programme"
    label = "programme"
    verbose_name = _("Programme")

    def ready(self) -> None:
        # Every app's migration ends with its permissions created; refreshing the group after
        # each keeps it whole whatever order the organizer apps migrate in.
        post_migrate.connect(_ensure_organizers_group, dispatch_uid="organizers-group")
