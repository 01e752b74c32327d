from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Reminders, notices and webhooks")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
