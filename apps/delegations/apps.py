from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "apps.delegations"
    label = "delegations"
    verbose_name = _("Delegations and participants")

    def ready(self) -> None:
        from apps.kernel.providers import provide

        from .selectors import principal_for

        provide("principal", principal_for)
