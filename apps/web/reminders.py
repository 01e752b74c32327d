"""The participant's reminder settings page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.delegations.selectors import principal_for
from apps.events.models import Event
from apps.notifications.enums import Channel
from apps.notifications.selectors import preference_of, wishes_of
from apps.notifications.services.messages import before_text
from apps.notifications.services.preferences import reminder_preference_update

# Lead times offered as tick boxes; the event's own defaults are added when not among them.
LEAD_CHOICES = (10080, 2880, 1440, 240, 120, 60, 30, 15, 5, 2)


class ReminderSettingsForm(forms.Form):
    use_defaults = forms.BooleanField(required=False)
    lead_minutes = forms.TypedMultipleChoiceField(
        label=_("Remind me"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    by_email = forms.BooleanField(label=_("Send me e-mails: reminders, digest and change notices"), required=False)
    digest_hour = forms.TypedChoiceField(
        label=_("Daily digest of the next day, at"), coerce=int, empty_value=None, required=False
    )
    language = forms.ChoiceField(label=_("Language of my e-mails and calendar"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leads = sorted(set(LEAD_CHOICES) | set(event.reminder_lead_minutes), reverse=True)
        cast(forms.ChoiceField, self.fields["lead_minutes"]).choices = [(m, before_text(m)) for m in leads]
        defaults = ", ".join(str(before_text(minutes)) for minutes in event.reminder_lead_minutes) or _("none")
        self.fields["use_defaults"].label = _("Use the event's reminders (%(defaults)s)") % {"defaults": defaults}
        hours = [("", _("No digest"))] + [(h, f"{h:02d}:00") for h in range(24)]
        cast(forms.ChoiceField, self.fields["digest_hour"]).choices = hours

    def as_preference(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "lead_minutes": None if data["use_defaults"] else data["lead_minutes"],
            "channels": [Channel.EMAIL] if data["by_email"] else [],
            "digest_hour": data["digest_hour"],
            "language": data["language"],
        }


@login_required
def my_reminders(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=event_slug)
    participant = principal_for(user=request.user, event=event).participant
    if participant is None:
        raise Http404("Not a participant of this event")
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST, event=event)
        if form.is_valid():
            try:
                reminder_preference_update(participant=participant, data=form.as_preference())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your reminder settings are saved."))
                return redirect(request.path)
    else:
        preference = preference_of(participant)
        wishes = wishes_of(participant, preference, event)
        form = ReminderSettingsForm(
            initial={
                "use_defaults": preference is None or preference.lead_minutes is None,
                "lead_minutes": list(wishes.lead_minutes),
                "by_email": "email" in wishes.channels,
                "digest_hour": wishes.digest_hour,
                "language": participant.language,
            },
            event=event,
        )
    return render(
        request,
        "web/my_reminders.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "participant": participant,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
