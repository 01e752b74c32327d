from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "apps.feeds"
    label = "feeds"
    verbose_name = _("Calendar feeds and exports")

    def ready(self) -> None:
        from apps.kernel.providers import provide

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .services import participant_feed_links, public_feed_links

        provide("participant_feeds", participant_feed_links)
        provide("public_feeds", public_feed_links)
