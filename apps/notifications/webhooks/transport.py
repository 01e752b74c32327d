"""One POST to a receiver: http and https only, no proxies, no redirects, and a connection
made only to the addresses the private-address rule allowed (:mod:`.addresses`), so that a
DNS answer that changes between check and connection gets nowhere."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from .addresses import address_problem, private_hosts_allowed, resolve


class UnsafeAddress(OSError):
    """The receiver's host resolves to an address the server must not call."""


def _connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """``socket.create_connection`` that resolves once, refuses non-public addresses unless
    allowed, and connects to the very addresses it checked (no second lookup to rebind)."""
    host, port = address
    infos = resolve(host, port)
    if not private_hosts_allowed():
        for info in infos:
            problem = address_problem(info[4][0])
            if problem:
                raise UnsafeAddress(f"the host {host} resolves to {info[4][0]}, {problem}")
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=ssl.create_default_context())


def _opener() -> urllib.request.OpenerDirector:
    """http and https only; no proxies, no redirects (a 3xx answer is a failed attempt),
    and non-2xx answers returned rather than raised."""
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_HTTPHandler())
    opener.add_handler(_HTTPSHandler())
    return opener


def webhook_post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once, within ``WEBHOOK_TIMEOUT_SECONDS``: (HTTP status or ``None``, error text,
    empty on a 2xx answer). Network errors are returned, never raised."""
    if urlsplit(url).scheme not in {"http", "https"}:
        return None, "refused: not an http:// or https:// URL"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with _opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
            reason = response.reason
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, UnsafeAddress):
            return None, f"refused: {reason}"
        return None, f"connection failed: {reason}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:
        return status, f"HTTP {status} {reason}: redirects are not followed"
    return status, f"HTTP {status} {reason}"
