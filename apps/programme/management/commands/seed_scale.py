import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.kernel.audit_context import Actor, acting_as
from apps.programme.scale_plan import AssemblyTooSmall
from apps.programme.services.scale import DEFAULT_SEED, ScaleEventExists, no_progress, scale_assembly_seed


class Command(BaseCommand):
    help = (
        "Build an assembly at the size of the largest UN conferences, in bulk: delegations, "
        "participants, rooms, a programme of four days with its audiences, published several "
        "times with moves and cancellations in between. It runs ANALYZE on the tables it "
        "filled once they are loaded and again at the end, on PostgreSQL and SQLite alike, so "
        "that the query planners know their sizes (docs/performance.md). A progress bar per "
        "phase goes to stderr, the time of each phase to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delegations", type=int, default=200)
        parser.add_argument("--participants", type=int, default=100_000)
        parser.add_argument("--sessions", type=int, default=5_000)
        parser.add_argument("--versions", type=int, default=4, help="Publications, with changes between them.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed and sizes, same assembly.")
        parser.add_argument("--event", default="scale", help="The event's slug.")
        parser.add_argument("--replace", action="store_true", help="Delete the event first if it exists.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (also with -v 0).")

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["no_progress"] and options["verbosity"] > 0
        try:
            with acting_as(Actor(channel="import")):
                event, times = scale_assembly_seed(
                    slug=options["event"],
                    seed=options["seed"],
                    delegations=options["delegations"],
                    participants=options["participants"],
                    sessions=options["sessions"],
                    versions=options["versions"],
                    replace=options["replace"],
                    progress=_bars if show else no_progress,
                )
        except ScaleEventExists as exc:
            raise CommandError(f"The event {exc} exists: pass --replace to delete it and build it again.") from exc
        except AssemblyTooSmall as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if options["verbosity"] > 0:
            for time in times:
                unit = time.unit if time.steps == 1 else f"{time.unit}s"
                self.stdout.write(f"{time.phase:<14} {time.seconds:8.1f} s  {time.steps:>9,} {unit}")
            total = sum(time.seconds for time in times)
            self.stdout.write(f"{'total':<14} {total:8.1f} s  event {event.slug}")


@contextmanager
def _bars(phase: str, total: int | None, unit: str) -> Iterator[Callable[[int], object]]:
    with tqdm(total=total, desc=f"{phase:<14}", unit=f" {unit}s", file=sys.stderr) as bar:
        yield bar.update
