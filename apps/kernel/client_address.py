"""The address a request came from, trusting ``X-Forwarded-For`` only as far as configured.

Each proxy of one's own appends the address it received the request from to
``X-Forwarded-For``. Behind ``TRUSTED_PROXY_COUNT`` such proxies the client is the entry that
many places from the end; anything before it was written by the client and proves nothing.
With no trusted proxy the header is ignored. This is Django REST framework's rule for
``NUM_PROXIES`` (which the settings set to the same count), so that the API throttles and
the sign-in lockout count the same clients.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or the entry of ``X-Forwarded-For`` that the
    trusted proxies vouch for. An entry that is not an IP address (a proxy count set higher
    than the proxies there are) falls back to ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    entries = forwarded.split(",")
    candidate = entries[-min(proxies, len(entries))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
