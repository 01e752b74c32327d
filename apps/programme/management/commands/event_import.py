import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.kernel.audit_context import Actor, acting_as
from apps.programme.services import BundleError
from apps.programme.services.bundle import event_bundle_load
from apps.programme.services.scale import no_progress


class Command(BaseCommand):
    help = (
        "Load an event bundle (docs/event-bundle.md); nothing is written if anything is wrong. "
        "A progress bar per stage goes to stderr, the time of each stage to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (also with -v 0).")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        show = not options["no_progress"] and options["verbosity"] > 0
        started = time.perf_counter()
        try:
            bundle = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        read = time.perf_counter() - started
        try:
            with acting_as(Actor(channel="import")):
                loaded = event_bundle_load(bundle=bundle, progress=_bars if show else no_progress)
        except BundleError as exc:
            raise CommandError(f"{path}: nothing was loaded:\n" + "\n".join(exc.errors)) from exc
        event = loaded.event
        if not loaded.created:
            self.stdout.write(f"{event.slug} is already loaded; left as it is.")
            return
        if options["verbosity"] > 1:
            self.stdout.write(f"{'read':<20} {read:8.1f} s")
            for stage in loaded.times:
                self.stdout.write(f"{stage.stage:<20} {stage.seconds:8.1f} s  {stage.rows:>9,} rows")
        counts = ", ".join(
            _count(len(bundle.get(name) or []), name) for name in ("delegations", "participants", "sessions")
        )
        seconds = time.perf_counter() - started
        self.stdout.write(f"Loaded {event.slug}: {counts} in {seconds:.1f} s.")


def _count(number: int, plural: str) -> str:
    return f"{number:,} {plural if number != 1 else plural.removesuffix('s')}"


@contextmanager
def _bars(phase: str, total: int | None, unit: str) -> Iterator[Callable[[int], object]]:
    with tqdm(total=total, desc=f"{phase:<20}", unit=f" {unit}s", file=sys.stderr) as bar:
        yield bar.update
