import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.events.models import Event
from apps.programme.bundle_export import BundleExportError, bundle_render, event_bundle_export


class Command(BaseCommand):
    help = (
        "Write an event as an event bundle (docs/event-bundle.md), the file event_import loads: "
        "to FILE, or to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The event's slug.")
        parser.add_argument("path", nargs="?", type=Path, help="The file to write (default: standard output).")

    def handle(self, *args: Any, slug: str, path: Path | None, **options: Any) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event has the slug {slug!r}.")
        started = time.perf_counter()
        try:
            bundle = event_bundle_export(event=event)
        except BundleExportError as exc:
            raise CommandError(f"{slug} cannot be written as a bundle:\n" + "\n".join(exc.errors)) from exc
        text = bundle_render(bundle)
        if path is None:
            self.stdout.write(text, ending="")
            return
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if options["verbosity"] > 0:
            counts = ", ".join(f"{len(bundle[name]):,} {name}" for name in ("delegations", "participants", "sessions"))
            seconds = time.perf_counter() - started
            self.stdout.write(f"Wrote {path}: {counts} in {seconds:.1f} s.")
