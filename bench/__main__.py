"""``python -m bench`` (``make bench``): every benchmark, then one table of all their rows.

Each benchmark module runs in a process of its own (each sets Django up its own way, with
its own database and worker processes) and hands back its ``rows()``; one that fails is a row
that misses, naming the failure. The exit status is 1 when any target misses.

``python -m bench bench.feeds bench.http`` runs only those modules. On PostgreSQL the
in-process benchmarks get an empty database of their own and the HTTP ones copies of the seed
database (``bench/database.py``): the database ``DATABASE_URL`` names is never written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import database
from bench.report import Row, failed, summary, table

MODULES = ["bench.conflicts", "bench.feeds", "bench.notifications", "bench.http", "bench.load"]
# These make their own copies of the seed database from DATABASE_URL (bench/database.py).
OWN_DATABASES = {"bench.http", "bench.load"}


def rows_of(module: str, out: Path) -> None:
    """In the child: import ``module`` (which sets Django up) and write its rows as JSON."""
    imported = __import__(module, fromlist=["rows"])
    out.write_text(json.dumps([row.as_dict() for row in imported.rows()]))


def run(module: str, env: dict[str, str]) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rows.json"
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "bench", "--rows-of", module, str(out)], env=env, check=False)
        took = time.monotonic() - began
        if done.returncode != 0 or not out.exists():
            return [failed(module, "-", "runs", f"exited with status {done.returncode} after {took:.0f} s")]
        rows = [Row.from_dict(data) for data in json.loads(out.read_text())]
    print(f"bench: {module} took {took:.0f} s", file=sys.stderr)
    return rows


def main(modules: list[str]) -> int:
    began = time.monotonic()
    dbs = database.databases()
    env = dict(os.environ)
    rows: list[Row] = []
    for module in modules:
        child = dict(env)
        if dbs.is_postgresql and module not in OWN_DATABASES:
            child["DATABASE_URL"] = database.misc_fresh(dbs)
        found = run(module, child)
        print(table(found), file=sys.stderr)
        rows.extend(found)
    print()
    print(table(rows))
    print(f"{summary(rows)}; make bench took {(time.monotonic() - began) / 60:.1f} min")
    return 0 if all(row.holds for row in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rows-of"]:
        rows_of(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit(main(sys.argv[1:] or MODULES))
