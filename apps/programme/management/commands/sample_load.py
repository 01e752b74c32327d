from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.demo import DEMO_PASSWORD
from apps.events.models import Event
from apps.programme.services import demo_accounts_ensure, schedule_publish

SAMPLE = "fixtures/marrakech-2025.json"
SAMPLE_SLUG = "interpol-ga-2025"


class Command(BaseCommand):
    help = "Load the Marrakech 2025 sample (once, published as version 1) and, in demo mode, the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo-accounts", action="store_true", help="Requires DEMO_MODE=1.")

    def handle(self, *args: Any, demo_accounts: bool, **options: Any) -> None:
        if demo_accounts and not settings.DEMO_MODE:
            raise CommandError("Demo accounts exist in demo mode only: set DEMO_MODE=1.")
        # The sample is small: no progress bars in make run's output.
        call_command("event_import", str(settings.BASE_DIR / SAMPLE), no_progress=True, stdout=self.stdout)
        event = Event.objects.get(slug=SAMPLE_SLUG)
        if not event.versions.exists():
            version = schedule_publish(event=event, note="Programme as announced", confirm_warnings=True)
            self.stdout.write(f"Published version {version.number}.")
        if demo_accounts:
            names = demo_accounts_ensure(event=event)
            self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}): {', '.join(names)}")
