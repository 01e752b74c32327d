"""Services of one's own for the fault tests: a PostgreSQL cluster and a Redis server that can be
stopped and started again without disturbing the ones the rest of the suite uses, the planner
under gunicorn (gunicorn.conf.py) on them, and a client thread that keeps asking."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .notifications_support import ROOT, free_port, wait_until

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: then its programs run as the ``postgres`` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A cluster of its own (initdb, trust authentication) on a free port, in a temporary folder."""

    def __init__(self) -> None:
        assert (PG_BIN / "initdb").exists(), f"PostgreSQL 15 is needed for this check ({PG_BIN})"
        self.root = Path(tempfile.mkdtemp(prefix="gp-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")

    def _run(self, *command: Any) -> None:
        subprocess.run(_as_postgres([str(part) for part in command]), check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-o", options, "start")

    def stop(self) -> None:
        # "fast": open connections are ended at once, as a restart by an operator does.
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self, name: str, *, password: str = "") -> str:
        return f"postgres://postgres{':' + password if password else ''}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> None:
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server of its own on a free port, keeping nothing on disk (a restart empties it)."""

    def __init__(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is needed for this check (see .ci/run)"
        self.port = free_port()
        self.command = [server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        wait_until(self._pings, timeout=30, what="the private Redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def _pings(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False


def manage(*args: str, env: dict[str, str]) -> str:
    """``manage.py`` with ``args`` in a process of its own, on ``env``; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def planner_env(*, database_url: str, var_dir: Path, redis_url: str = "", **more: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        **more,
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@dataclass
class Web:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(env: dict[str, str], *, log: Path) -> Iterator[Web]:
    """The planner under gunicorn with the project's gunicorn.conf.py, one worker, on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "gaplanner.wsgi", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with log.open("ab") as handle:  # the server keeps its own handle
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    web = Web(port, process, log)
    try:
        wait_until(lambda: _accepts(port) or process.poll() is not None, timeout=60, what="gunicorn")
        assert process.poll() is None, f"gunicorn did not start: {web.log_text()[-3000:]}"
        yield web
    finally:
        process.terminate()
        process.wait(timeout=30)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Answer:
    target: str
    status: int
    content_type: str
    retry_after: str | None
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def get(port: int, target: str, headers: dict[str, str] | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return Answer(
            target,
            response.status,
            response.getheader("Content-Type", ""),
            response.getheader("Retry-After"),
            response.read(),
        )
    finally:
        connection.close()


class Client(threading.Thread):
    """Asks for ``targets`` in turn, again and again, until stopped; keeps every answer."""

    def __init__(self, port: int, targets: list[str]) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.targets = targets
        self.answers: list[Answer] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for target in self.targets:
                self.answers.append(get(self.port, target))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=60)

    def mark(self) -> int:
        return len(self.answers)

    def since(self, mark: int) -> list[Answer]:
        return self.answers[mark:]

    def wait_for_each(self, mark: int, accept: Callable[[Answer], bool], *, what: str) -> dict[str, Answer]:
        """Wait until every target was answered as ``accept`` likes after ``mark``; the last such
        answer of each."""

        def found() -> dict[str, Answer] | None:
            latest = {a.target: a for a in self.since(mark) if accept(a)}
            return latest if set(latest) == set(self.targets) else None

        try:
            result: dict[str, Answer] = wait_until(found, timeout=90, what=what)
        except AssertionError as exc:
            last = {a.target: (a.status, a.body[:300]) for a in self.since(mark)}
            raise AssertionError(f"{exc}; the last answers: {last}") from None
        return result
