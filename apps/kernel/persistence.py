"""Saving a model the one validated way that every service shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def _split(model: type[models.Model], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Iterable[Any]]]:
    many = {field.name for field in model._meta.many_to_many}
    return (
        {name: value for name, value in data.items() if name not in many},
        {name: value for name, value in data.items() if name in many},
    )


@transaction.atomic
def validated_save(instance: M, *, data: Mapping[str, Any] | None = None) -> M:
    """Apply ``data`` (fields and many-to-many lists) to ``instance``, validate it with the
    model's rules (``full_clean``), and save it. Raises Django's ``ValidationError``."""
    fields, many = _split(type(instance), data or {})
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def instance_delete(instance: models.Model) -> None:
    """Delete ``instance`` and what cascades from it. Raises ``RestrictedError`` when rows
    that must not vanish with it (a session in a room) still refer to it."""
    instance.delete()
