"""What the API's views of the caller's own registration (``me/...``) share."""

from __future__ import annotations

from django.http import Http404

from apps.events.api import EventMixin

from .models import Participant


class MyRegistrationMixin(EventMixin):
    """Views of the caller's own registration (``/events/{event_slug}/me/...``): only the
    event's participants have one; to anyone else, an organizer without a registration
    included, it does not exist (404)."""

    def my_participant(self) -> Participant:
        """The caller's active registration for the event; ``Http404`` if they have none."""
        if self.principal.participant is None:
            raise Http404
        return self.principal.participant
