"""Forms of the pages: the programme's filters, and the organizers' move, publish,
participant search and import forms."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.delegations.enums import Role
from apps.delegations.models import Delegation
from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.kernel.timezones import LocalTimeError, make_aware_strict
from apps.programme.enums import SessionKind
from apps.programme.models import Session
from apps.programme.selectors import sessions_for_delegation, sessions_in_language

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def delegation_choices(delegations: list[Delegation]) -> list[tuple[object, StrOrPromise]]:
    """ "All", then the delegations by their name in the reader's language."""
    language = get_language()
    named = sorted(((d.pk, d.display_name(language)) for d in delegations), key=lambda item: item[1])
    return [("", _("All")), *named]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A choice field that ``form`` declares and whose choices it sets when it is made."""
    return cast(forms.ChoiceField, form.fields[name])


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
        _choice_field(self, "room").choices = [every, *((room.pk, room.name) for room in rooms)]
        _choice_field(self, "kind").choices = [every, *SessionKind.choices]
        codes = event.languages or [event.default_language]
        _choice_field(self, "language").choices = [every, *((code, i18n.language_name(code)) for code in codes)]
        _choice_field(self, "delegation").choices = delegation_choices(delegations)

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


class MoveForm(forms.Form):
    """A new place and time for a session, as read on the event's clocks."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}))
    room = forms.TypedChoiceField(label=_("Room"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, event: Event, rooms: list[Room], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        # Choices from rooms read once for the whole grid, not a query per form.
        self.rooms = {room.pk: room for room in rooms}
        _choice_field(self, "room").choices = [("", "—"), *((room.pk, str(room)) for room in rooms)]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["room"] = self.rooms.get(cleaned["room"]) if cleaned.get("room") else None
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            try:
                cleaned["start"] = make_aware_strict(dt.datetime.combine(day, start), self.event.zone)
                end_day = day if end > start else day + dt.timedelta(days=1)
                cleaned["end"] = make_aware_strict(dt.datetime.combine(end_day, end), self.event.zone)
            except LocalTimeError as exc:
                raise ValidationError(str(exc)) from exc
        return cleaned


class PublishForm(forms.Form):
    note = forms.CharField(label=_("Note for this version"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm_warnings = forms.BooleanField(label=_("Publish despite the warnings above"), required=False)


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=200)
    delegation = forms.TypedChoiceField(label=_("Delegation"), coerce=int, empty_value=None, required=False)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All")), *Role.choices])

    def __init__(self, *args: Any, delegations: list[Delegation], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "search-%s")
        super().__init__(*args, **kwargs)
        _choice_field(self, "delegation").choices = delegation_choices(delegations)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of participants"),
        help_text=_("UTF-8, comma or semicolon separated, with a header row; at most 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    # Far above the largest assembly's list; a bigger upload is refused before it is read.
    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload
