"""Writes to delegations and participants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.kernel.persistence import validated_save

from .models import Delegation, Participant


def delegation_save(*, delegation: Delegation, data: Mapping[str, Any]) -> Delegation:
    """Create (``delegation`` unsaved) or change a delegation. Raises ``ValidationError``
    (the model's rules: a country of a member delegation, an organisation of the others)."""
    return validated_save(delegation, data=data)


def participant_save(*, participant: Participant, data: Mapping[str, Any]) -> Participant:
    """Create (``participant`` unsaved) or change a participant's registration. Raises
    ``ValidationError`` (the model's rules: one head per delegation, an address unique in the
    event); an account linked to the old address is released (``Participant.save``)."""
    return validated_save(participant, data=data)
