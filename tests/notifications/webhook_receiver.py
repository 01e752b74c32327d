"""A real HTTP receiver for webhook deliveries, on 127.0.0.1, in a thread of the test process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, extra = self.server.receiver.record(Received(self.path, headers, body))
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    receiver: Receiver


class Receiver:
    """Records every POST, then answers with the next of ``answers`` (status, headers), or
    204 once they are used up. ``wait_for`` blocks until enough POSTs came, or a deadline."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self._changed = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/gaplanner"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.answers.extend((status, headers or {}) for status in statuses)

    def record(self, request: Received) -> tuple[int, dict[str, str]]:
        with self._changed:
            self.requests.append(request)
            answer = self.answers.pop(0) if self.answers else (204, {})
            self._changed.notify_all()
        return answer

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
