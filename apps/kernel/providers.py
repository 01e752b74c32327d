"""Functions an app offers to the apps below it, which may not import it.

The app that owns a function registers it under a name in its ``AppConfig.ready``; a lower
app asks for it by that name when it runs. So ``events`` reaches the caller's ``Principal``
that ``delegations`` builds, and an answer of one app links to another app's resources,
while the import graph keeps its layers (import-linter checks them in ``make test``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_providers: dict[str, Callable[..., Any]] = {}


def provide(name: str, provider: Callable[..., Any]) -> None:
    _providers[name] = provider


def provided(name: str) -> Callable[..., Any]:
    """The function registered as ``name``; an installed app that provides it is required."""
    try:
        return _providers[name]
    except KeyError:
        raise ImproperlyConfigured(f"No installed app provides {name!r}.") from None


def provided_or(name: str, default: Callable[..., Any]) -> Callable[..., Any]:
    """The function registered as ``name``, or ``default`` when no installed app offers one."""
    return _providers.get(name, default)
