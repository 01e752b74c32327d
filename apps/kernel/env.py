"""Strict readers for configuration from the environment.

A value that cannot be read is an error at start-up, never a silent default: a typo in
``DEBUG=ture`` must not run production in some unintended mode. ``NAME_FILE`` holds the path
of a file whose content is the value, for secrets mounted by an orchestrator.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's text, or the content of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_file_load(path: str, *, required: bool) -> None:
    """Set the variables of a ``KEY=value`` file (python-dotenv's format) that the
    environment does not set already: the environment wins. A missing file is an error when
    ``required``, else nothing; an empty ``path`` reads nothing."""
    if not path:
        return
    if not Path(path).is_file():
        if required:
            raise ImproperlyConfigured(f"ENV_FILE: {path} is not a file")
        return
    load_dotenv(path, override=False)
