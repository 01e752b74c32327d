"""Which addresses may receive webhooks: organizers type the URL, so it must not make the
server call its own network (docs/decisions/014-webhooks.md). A URL is checked when saved
(:func:`webhook_url_check`) and again by the transport, on the addresses it connects to."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

# Special-purpose blocks (IANA registry) that the ipaddress module of some Python 3.11
# patch releases still calls global: refused whatever the interpreter says.
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("2002::/16"))
# NAT64 prefixes (RFC 6052, RFC 8215): the IPv4 address sits in the last 32 bits.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _addresses_reached(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 addresses that an IPv6 address carries inside it (IPv4-mapped, 6to4, Teredo
    server and client, NAT64), which a relay delivers to, then ``ip`` itself."""
    reached: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            reached.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            reached.append(ip.sixtofour)
        if ip.teredo is not None:
            reached.extend(ip.teredo)
        if any(ip in prefix for prefix in NAT64):
            reached.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [*reached, ip]


def address_problem(address: str) -> str | None:
    """Why the server must not call ``address`` (an IP literal), or ``None`` if it may: every
    address it reaches, unwrapped, must be one that ``ipaddress`` calls global."""
    for ip in _addresses_reached(ipaddress.ip_address(address.split("%", 1)[0])):
        checks = (
            (ip.is_loopback, "a loopback address"),
            (ip.is_link_local, "a link-local address"),
            (ip.is_multicast, "a multicast address"),
            (ip.is_unspecified, "an unspecified address"),
            (ip.is_reserved, "a reserved address"),
            (ip.is_private or not ip.is_global or any(ip in block for block in NOT_GLOBAL), "a private address"),
        )
        problem = next((what for refused, what in checks if refused), None)
        if problem:
            return problem
    return None


def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    """The stream addresses of ``host`` (``socket.getaddrinfo``), looked up once."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def private_hosts_allowed() -> bool:
    """Whether ``WEBHOOK_ALLOW_PRIVATE_HOSTS`` turns the rule off (the operator's own
    receivers, and tests)."""
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_HOSTS)


def webhook_url_check(url: str) -> None:
    """Refuse a webhook URL that is not http(s), or whose host resolves to a loopback,
    private, link-local, reserved or multicast address (unless
    ``WEBHOOK_ALLOW_PRIVATE_HOSTS``): organizers must not make the server call its own
    network. Raises ``ValidationError`` naming ``url``. Delivery checks again, on the
    addresses it connects to."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": ["Enter an http:// or https:// URL."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Enter a URL without a user name or password."]})
    if private_hosts_allowed():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = resolve(parts.hostname, port)
    except (OSError, ValueError) as exc:
        raise ValidationError({"url": [f"The host {parts.hostname} does not resolve."]}) from exc
    for info in infos:
        address = info[4][0]
        problem = address_problem(address)
        if problem:
            message = f"The host {parts.hostname} resolves to {address}, {problem}: it may not receive webhooks."
            raise ValidationError({"url": [message]})
