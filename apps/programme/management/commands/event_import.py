import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.kernel.audit_context import Actor, acting_as
from apps.programme.services import BundleError, event_bundle_import


class Command(BaseCommand):
    help = "Load an event bundle (docs/event-bundle.md); nothing is written if anything is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            bundle = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            with acting_as(Actor(channel="import")):
                event, created = event_bundle_import(bundle=bundle)
        except BundleError as exc:
            raise CommandError(f"{path}: nothing was loaded:\n" + "\n".join(exc.errors)) from exc
        if created:
            self.stdout.write(f"Loaded {event.slug}: {event.sessions.count()} sessions.")
        else:
            self.stdout.write(f"{event.slug} is already loaded; left as it is.")
