"""Links that one app's answers carry to another app's resources, without importing it.

An app that owns a kind of link registers a provider in its ``AppConfig.ready``; an answer
asks for the link by name and gets ``{}`` if no app provides it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings

_providers: dict[str, Callable[[Any], dict[str, Any]]] = {}


def provide(name: str, provider: Callable[[Any], dict[str, Any]]) -> None:
    _providers[name] = provider


def links(name: str, obj: Any) -> dict[str, Any]:
    provider = _providers.get(name)
    return provider(obj) if provider else {}


def subscription_urls(path: str) -> dict[str, str]:
    """A calendar's address as clients subscribe to it: https, webcal, and Google's link
    (which takes the webcal form: an https one fails there)."""
    https = f"{settings.SITE_URL}{path}"
    webcal = "webcal://" + https.split("://", 1)[1]
    return {
        "https": https,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
    }
