"""The databases the benchmarks write to: never the one ``DATABASE_URL`` names.

On PostgreSQL (``DATABASE_URL=postgres://…/NAME``) the benchmarks use databases beside it:

- ``NAME_bench_seed``: the full-size assembly (event ``scale``: ``seed_scale`` at its default
  sizes, 5,000 sessions and 100,000 participants) and the baseline (event ``small``: 100
  sessions), each built once when absent, then analysed;
- ``NAME_bench``: a fresh copy of it for each HTTP benchmark (``CREATE DATABASE … TEMPLATE``),
  so that every run starts from the same programme and history;
- ``NAME_bench_misc``: an empty database for the in-process benchmarks, made again each run.

Without ``DATABASE_URL``, SQLite files under ``var/bench-http/`` play the same parts.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = ROOT / "var" / "bench-http"
FULL = "scale"
SMALL = "small"
# seed_scale's sizes: the full-size assembly of issue 15, and a 100-session baseline.
SEEDS = {
    FULL: ["--delegations", "200", "--participants", "100000", "--sessions", "5000", "--versions", "4"],
    SMALL: ["--delegations", "20", "--participants", "2000", "--sessions", "100", "--versions", "4"],
}


@dataclass(frozen=True)
class Databases:
    seed: str
    work: str
    misc: str

    @property
    def is_postgresql(self) -> bool:
        return self.seed.startswith(("postgres://", "postgresql://"))


def databases(environ: Mapping[str, str] = os.environ) -> Databases:
    """The benchmarks' database URLs beside the one ``DATABASE_URL`` names (or SQLite files)."""
    url = environ.get("DATABASE_URL", "")
    if not url:
        return Databases(
            seed=f"sqlite:///{SQLITE_DIR / 'seed.sqlite3'}",
            work=f"sqlite:///{SQLITE_DIR / 'gaplanner.sqlite3'}",
            misc=f"sqlite:///{SQLITE_DIR / 'misc.sqlite3'}",
        )
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"bench: DATABASE_URL must name a PostgreSQL database or be unset (SQLite): {url!r}")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")

    def beside(suffix: str) -> str:
        return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))

    return Databases(seed=beside("bench_seed"), work=beside("bench"), misc=beside("bench_misc"))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin(url: str) -> psycopg.Connection:
    """A connection to the server's ``postgres`` database, for creating and dropping others."""
    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def _exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    with _admin(url) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_name(url)]).fetchone() is not None


def _create(url: str, template: str | None = None) -> None:
    """Make the database at ``url`` anew: empty, or a copy of ``template``'s."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        if template is not None:
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
        return
    with _admin(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_name(url))))
        if template is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_name(url))))
        else:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(_name(url)), sql.Identifier(_name(template))
                )
            )


def _slugs(url: str) -> set[str]:
    query = "SELECT slug FROM events_event"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return {row[0] for row in connection.execute(query)}
    with psycopg.connect(url) as connection:
        return {row[0] for row in connection.execute(query)}


def _analyze(url: str) -> None:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("ANALYZE")
        return
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def manage(url: str, *arguments: str) -> None:
    """``manage.py`` on the database at ``url``, with no Redis: commands that publish would
    otherwise leave tasks in the benchmark's broker for its worker to find later."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DATABASE_URL=url, VAR_DIR=str(SQLITE_DIR / "manage"), DEBUG="1", ENV_FILE="")
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *arguments], env=env, check=True, cwd=ROOT)


def seed_ensure(seed: str, say: Callable[[str], object] = print) -> None:
    """The seed database, migrated, holding both events (built when absent) and analysed:
    this machine's PostgreSQL runs no autovacuum, so nothing else gathers statistics."""
    if not _exists(seed):
        say(f"bench: creating {seed}")
        _create(seed)
    manage(seed, "migrate", "--no-input", "-v", "0")
    present = _slugs(seed)
    for slug, sizes in SEEDS.items():
        if slug not in present:
            say(f"bench: building event {slug!r} with seed_scale {' '.join(sizes)} (minutes at full size)")
            manage(seed, "seed_scale", "--event", slug, *sizes, "--no-progress")
    _analyze(seed)


def work_copy(dbs: Databases, say: Callable[[str], object] = print) -> str:
    """A fresh copy of the seed database (built first when absent): its URL."""
    seed_ensure(dbs.seed, say)
    _create(dbs.work, template=dbs.seed)
    return dbs.work


def rows_on_work_copy(name: str, size: str, run: Callable[[str], list[Any]], say: Callable[[str], object]) -> list[Any]:
    """``run(url)`` on a fresh copy of the seed database: its rows, or one row that misses and
    says why (the server did not start, the seed could not be built…)."""
    from bench.report import failed

    dbs = databases()
    say(f"copying {dbs.seed} to {dbs.work}")
    try:
        return run(work_copy(dbs, say))
    except Exception as exc:
        traceback.print_exc()
        return [failed(name, size, "runs", f"{type(exc).__name__}: {str(exc)[:300]}")]


def misc_fresh(dbs: Databases) -> str:
    """An empty database for the in-process benchmarks (their own migrate fills it)."""
    _create(dbs.misc)
    return dbs.misc
