"""Writes to delegations and participants, and the participant's rules checked in memory for
writers of many participants at once (the CSV import, the event bundle)."""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from apps.events.models import Event
from apps.kernel.persistence import validated_save

from .enums import Role
from .models import Delegation, Participant

# Fields whose rule a bulk writer checks itself: the event is the writer's, the delegation one
# of the event's that it read, the account is never set by a bulk write. Checking them through
# full_clean would cost a query per participant.
RESOLVED_IN_BULK = ("event", "delegation", "user")
# The participant's constraints, and how a bulk writer keeps each without a query: the e-mail
# address by matching rows to participants and refusing a repeated address, the account by
# never setting one, the head by :class:`DelegationHeads`. A new constraint must be added here
# and checked.
CONSTRAINTS_CHECKED_IN_BULK = frozenset(
    {"participant_email_unique_per_event", "participant_user_unique_per_event", "one_head_per_delegation"}
)


def delegation_save(*, delegation: Delegation, data: Mapping[str, Any]) -> Delegation:
    """Create (``delegation`` unsaved) or change a delegation. Raises ``ValidationError``
    (the model's rules: a country of a member delegation, an organisation of the others)."""
    return validated_save(delegation, data=data)


def participant_save(*, participant: Participant, data: Mapping[str, Any]) -> Participant:
    """Create (``participant`` unsaved) or change a participant's registration. Raises
    ``ValidationError`` (the model's rules: one head per delegation, an address unique in the
    event); an account linked to the old address is released (``Participant.save``)."""
    return validated_save(participant, data=data)


def participant_constraint_error(name: str) -> ValidationError:
    """The error the participant's constraint ``name`` raises, as ``full_clean`` would."""
    constraint = next(c for c in Participant._meta.constraints if c.name == name)
    return ValidationError(constraint.get_violation_error_message())


class DelegationHeads:
    """Who heads each delegation of the event (the constraint ``one_head_per_delegation``):
    as stored, then as the participants checked before the one being checked leave it. A
    participant not yet created is known by its Python identity."""

    def __init__(self, event: Event) -> None:
        stored = Participant.objects.filter(
            event=event, role=Role.HEAD, is_active=True, delegation__isnull=False
        ).values_list("delegation_id", "pk")
        self.holder: dict[int, int] = dict(stored)
        self.held: dict[int, int] = {pk: delegation_id for delegation_id, pk in self.holder.items()}

    @staticmethod
    def _key(participant: Participant) -> int:
        return participant.pk if participant.pk is not None else id(participant)

    @staticmethod
    def _headed(participant: Participant) -> int | None:
        """The id of the delegation the participant heads, if any."""
        if participant.role == Role.HEAD and participant.is_active:
            return participant.delegation_id
        return None

    def check(self, participant: Participant) -> None:
        """Raises the constraint's own ``ValidationError`` when the participant would be a
        second head of their delegation."""
        delegation_id = self._headed(participant)
        if delegation_id is None:
            return
        holder = self.holder.get(delegation_id)
        if holder is not None and holder != self._key(participant):
            raise participant_constraint_error("one_head_per_delegation")

    def take(self, participant: Participant) -> None:
        """Record a participant that passed: it heads what it now heads, and no more."""
        key = self._key(participant)
        if key in self.held:
            del self.holder[self.held.pop(key)]
        delegation_id = self._headed(participant)
        if delegation_id is not None:
            self.holder[delegation_id] = key
            self.held[key] = delegation_id


def participant_validate_in_bulk(
    participant: Participant,
    *,
    heads: DelegationHeads,
    emails_taken: Container[str] = (),
    exclude: Collection[str] = (),
) -> None:
    """The model's rules, without a query, for a participant written with many others:
    ``full_clean`` of the fields (but :data:`RESOLVED_IN_BULK`, which the caller resolved),
    then the constraints: an address not among ``emails_taken`` (lower-case: those of the
    event's other participants, as far as the caller does not match them itself), one head
    per delegation against what is stored and the participants checked before (``heads``).
    Raises ``ValidationError``, with the messages ``full_clean`` would give."""
    errors: dict[str, Any] = {}
    try:
        participant.full_clean(exclude=[*exclude, *RESOLVED_IN_BULK], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    email = participant.email.strip().lower() if isinstance(participant.email, str) else ""
    if email and email in emails_taken and not ({"email"} & {*exclude, *errors}):
        errors = participant_constraint_error("participant_email_unique_per_event").update_error_dict(errors)
    if not ({"delegation", "role"} & {*exclude, *errors}):
        try:
            heads.check(participant)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
