"""Who the caller is within an event: the head-of-delegation rule every view asks."""

import pytest

from apps.delegations.models import Delegation, Participant
from apps.delegations.selectors import Principal, principal_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "country", "heads"),
    [
        ("head", "MA", True),
        ("head", "FR", False),
        ("delegate", "MA", False),
        ("outsider", "FR", False),
        ("organizer", "MA", False),
        ("anonymous", "MA", False),
    ],
)
def test_is_head_of_only_the_head_of_that_delegation(personas, persona, country, heads):
    principal = principal_for(user=getattr(personas, persona), event=personas.event)
    delegation = Delegation.objects.get(event=personas.event, country=country)

    assert principal.is_head_of(delegation) is heads


@pytest.mark.parametrize(
    ("persona", "is_head"),
    [("head", True), ("delegate", False), ("outsider", False), ("organizer", False), ("anonymous", False)],
)
def test_is_head_of_some_delegation_only_the_head(personas, persona, is_head):
    principal = principal_for(user=getattr(personas, persona), event=personas.event)

    assert principal.is_head is is_head


def test_is_head_of_not_with_a_withdrawn_registration(personas):
    Participant.objects.filter(user=personas.head).update(is_active=False)
    withdrawn = Participant.objects.get(user=personas.head)

    as_signed_in = principal_for(user=personas.head, event=personas.event)
    as_built = Principal(event=personas.event, participant=withdrawn)

    assert (as_signed_in.is_head_of(withdrawn.delegation), as_built.is_head_of(withdrawn.delegation)) == (False, False)
