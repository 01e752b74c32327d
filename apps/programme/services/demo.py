"""The demo accounts of the sample, linked to its event: the users are the accounts' part
(``apps.accounts.demo``); the event's organizers and its participants are linked here."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.demo import DEMO_ACCOUNTS, demo_users_ensure
from apps.delegations.models import Participant
from apps.events.models import Event


@transaction.atomic
def demo_accounts_ensure(*, event: Event) -> list[str]:
    """Create the demo accounts for ``event`` if missing: an organizer, a head, a delegate.

    The organizer is made an organizer of ``event``; the head and the delegate are linked to
    the participants with the e-mail addresses in :data:`DEMO_ACCOUNTS` (which they hold as
    verified). Callers must only call this in demo mode. Returns the usernames.
    """
    users = demo_users_ensure()
    for username, user in users.items():
        email = DEMO_ACCOUNTS[username]
        if email is None:
            event.organizers.add(user)
        else:
            Participant.objects.filter(event=event, email=email, user__isnull=True).update(user=user)
    return list(users)
