"""Writes to delegations and participants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.kernel.persistence import validated_save

from .models import Delegation, Participant


def delegation_save(*, delegation: Delegation, data: Mapping[str, Any]) -> Delegation:
    """Create (``delegation`` unsaved) or change a delegation."""
    return validated_save(delegation, data=data)


def participant_save(*, participant: Participant, data: Mapping[str, Any]) -> Participant:
    """Create (``participant`` unsaved) or change a participant's registration."""
    return validated_save(participant, data=data)
