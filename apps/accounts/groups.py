"""The ``Organizers`` group: the permissions an organizer holds in the admin
(docs/decisions/005-organizers.md). Kept whole after every migration (``AccountsConfig``)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ORGANIZERS_GROUP = "Organizers"
# App labels, not imports: the apps above accounts whose rows organizers manage.
ORGANIZER_APPS = ("events", "delegations", "programme", "feeds", "notifications")


def organizers_group_ensure() -> Group:
    """The ``Organizers`` group, holding every permission on events, delegations and programme.

    Staff users in this group who are organizers of an event manage it in the admin.
    """
    group, _created = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS))
    return group
