"""Forms of the public pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.delegations.models import Delegation
from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.programme.enums import SessionKind
from apps.programme.models import Session
from apps.programme.selectors import sessions_for_delegation, sessions_in_language


def delegation_choices(delegations: list[Delegation]) -> list[tuple[object, str]]:
    """ "All", then the delegations by their name in the reader's language."""
    language = get_language()
    named = sorted(((d.pk, d.display_name(language)) for d in delegations), key=lambda item: item[1])
    return [("", _("All")), *named]


class ProgrammeFilterForm(forms.Form):
    """What part of a day's programme to show: a room, a kind, a language, a delegation.

    Bound to the query string; an empty choice means "all". The rooms and delegations are
    read once, by the view, and handed in.
    """

    room = forms.TypedChoiceField(label=_("Room"), coerce=int, empty_value=None, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    delegation = forms.TypedChoiceField(label=_("Delegation"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, event: Event, rooms: list[Room], delegations: list[Delegation], **kwargs: Any):
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        every = ("", _("All"))
        self.fields["room"].choices = [every, *((room.pk, room.name) for room in rooms)]
        self.fields["kind"].choices = [every, *SessionKind.choices]
        codes = event.languages or [event.default_language]
        self.fields["language"].choices = [every, *((code, i18n.language_name(code)) for code in codes)]
        self.fields["delegation"].choices = delegation_choices(delegations)

    def apply(self, sessions: QuerySet[Session]) -> QuerySet[Session]:
        """``sessions`` narrowed to the valid choices; an invalid field narrows nothing."""
        if not self.is_bound:
            return sessions
        self.is_valid()
        # A field in error is left out of ``cleaned_data``: it narrows nothing.
        data = self.cleaned_data
        if data.get("room"):
            sessions = sessions.filter(room_id=data["room"])
        if data.get("kind"):
            sessions = sessions.filter(kind=data["kind"])
        if data.get("language"):
            sessions = sessions_in_language(sessions, data["language"])
        if data.get("delegation"):
            sessions = sessions_for_delegation(sessions, data["delegation"])
        return sessions

    @property
    def is_filtering(self) -> bool:
        return self.is_bound and any(self.cleaned_data.get(name) for name in self.fields)
