"""The demo accounts of the sample (``sample_load --demo-accounts``, demo mode only): the
users, their password, group and verified addresses. Linking them to an event's organizers
and participants is the programme's part (``apps.programme.services.demo``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from .groups import organizers_group_ensure
from .services import verified_email_add, verified_email_owner

# Demo accounts exist only in demo mode, so their password may be known to all.
DEMO_PASSWORD = "gaplanner-demo"  # noqa: S105  # nosec B105
# Username: the participant's e-mail address, or None for the organizer.
DEMO_ACCOUNTS = {
    "organizer": None,
    "head": "head.ma@example.org",
    "delegate": "delegate.ma@example.org",
}


@transaction.atomic
def demo_users_ensure() -> dict[str, Any]:
    """Create the users of :data:`DEMO_ACCOUNTS` if missing, with :data:`DEMO_PASSWORD`: the
    organizer is staff in the ``Organizers`` group; the head and the delegate hold their
    addresses as verified. Callers must only call this in demo mode. Returns the users by
    username."""
    user_model = get_user_model()
    users: dict[str, Any] = {}
    for username, email in DEMO_ACCOUNTS.items():
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"email": email or f"{username}@example.org"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if email is None:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(organizers_group_ensure())
        # The demo participants' mailboxes are make-believe: their addresses count as
        # verified, so that the e-mailed sign-in link works for them too.
        elif verified_email_owner(email=email) is None:
            verified_email_add(user=user, email=email)
        users[username] = user
    return users
