"""Organizers' permissions and the demo accounts of the sample."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.accounts.services import verified_email_add, verified_email_owner
from apps.delegations.models import Participant
from apps.events.models import Event

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_APPS = ("events", "delegations", "programme", "feeds", "notifications")


# Demo accounts exist only in demo mode, so their password may be known to all.
DEMO_PASSWORD = "gaplanner-demo"  # noqa: S105  # nosec B105
DEMO_ACCOUNTS = {
    "organizer": None,
    "head": "head.ma@example.org",
    "delegate": "delegate.ma@example.org",
}


@transaction.atomic
def demo_accounts_ensure(*, event: Event) -> list[str]:
    """Create the demo accounts for ``event`` if missing: an organizer, a head, a delegate.

    The head and the delegate are linked to the participants with the e-mail addresses in
    :data:`DEMO_ACCOUNTS`, and hold those addresses as verified. Callers must only call this
    in demo mode. Returns the usernames.
    """
    user_model = get_user_model()
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
            event.organizers.add(user)
            user.groups.add(organizers_group_ensure())
        else:
            # The demo participants' mailboxes are make-believe: their addresses count as
            # verified, so that the e-mailed sign-in link works for them too.
            if verified_email_owner(email=email) is None:
                verified_email_add(user=user, email=email)
            Participant.objects.filter(event=event, email=email, user__isnull=True).update(user=user)
    return list(DEMO_ACCOUNTS)


def organizers_group_ensure() -> Group:
    """The ``Organizers`` group, holding every permission on events, delegations and programme.

    Staff users in this group who are organizers of an event manage it in the admin.
    """
    group, _created = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS))
    return group
