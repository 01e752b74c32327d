"""The e-mails: one builder per kind, text and HTML from templates, in the reader's language
(right to left in Arabic), with times in the event's zone and the offset written out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from email.utils import formatdate
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

from apps.delegations.models import Participant
from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.kernel.links import absolute_url
from apps.kernel.text import single_line
from apps.kernel.timezones import format_offset
from apps.programme.models import Session

from ..models import Notification
from .notices import Change
from .prepared import MessageGroup


def when(start: dt.datetime, end: dt.datetime, event: Event) -> str:
    """``Monday 24 November 2025, 09:00–10:30 (UTC+01:00)`` in the active language."""
    start, end = start.astimezone(event.zone), end.astimezone(event.zone)
    day = formats.date_format(start, "l j F Y")
    until = formats.time_format(end, "H:i")
    if end.date() != start.date():
        until = f"{formats.date_format(end, 'l j F Y')}, {until}"
    return f"{day}, {formats.time_format(start, 'H:i')}–{until} ({format_offset(start)})"


def _unit(minutes: int) -> tuple[str, int]:
    if minutes % 1440 == 0:
        return "day", minutes // 1440
    if minutes % 60 == 0:
        return "hour", minutes // 60
    return "minute", minutes


def lead_text(minutes: int) -> str:
    """``in 15 minutes``: how far off a session is, in the subject of its reminder."""
    unit, count = _unit(minutes)
    if unit == "day":
        text = ngettext("in %(count)s day", "in %(count)s days", count)
    elif unit == "hour":
        text = ngettext("in %(count)s hour", "in %(count)s hours", count)
    else:
        text = ngettext("in %(count)s minute", "in %(count)s minutes", count)
    return text % {"count": count}


def before_text(minutes: int) -> str:
    """``15 minutes before``: a lead time, as the settings page offers it."""
    unit, count = _unit(minutes)
    if unit == "day":
        text = ngettext("%(count)s day before", "%(count)s days before", count)
    elif unit == "hour":
        text = ngettext("%(count)s hour before", "%(count)s hours before", count)
    else:
        text = ngettext("%(count)s minute before", "%(count)s minutes before", count)
    return text % {"count": count}


def _room_text(room: Room | None) -> str:
    return f"{room.name}, {room.venue.name}" if room else ""


def _base_context(
    *, participant_name: str, language: str, event: Event, subject: str, context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event_name": event.display_name(language),
        "participant_name": participant_name,
        "language": language,
        "direction": "rtl" if i18n.is_rtl(language) else "ltr",
        "settings_url": absolute_url(reverse("web:my-reminders", kwargs={"event_slug": event.slug})),
        "programme_url": absolute_url(reverse("web:programme", kwargs={"event_slug": event.slug})),
        "subject": subject,
        **context,
    }


def _headers(language: str) -> dict[str, str]:
    return {"Auto-Submitted": "auto-generated", "Content-Language": language}


def _name(participant: Participant) -> str:
    return f"{participant.first_name} {participant.last_name}".strip()


def _message(
    *,
    notification: Notification,
    participant: Participant,
    event: Event,
    subject: str,
    template: str,
    context: dict[str, Any],
    connection: BaseEmailBackend | None,
) -> EmailMultiAlternatives:
    language = participant.language
    # A subject is a header: a line break in stored text must not make it two (BadHeaderError).
    # Each text in it was balanced on its own already, so that its direction ends with it.
    subject = single_line(subject)
    base = _base_context(
        participant_name=_name(participant), language=language, event=event, subject=subject, context=context
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", base),
        to=[participant.email],
        connection=connection,
        headers={"Message-ID": notification.message_id, **_headers(language)},
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", base), "text/html")
    return message


def _session_item(session: Session, event: Event, language: str) -> dict[str, str | bool]:
    return {
        "code": session.code,
        "title": single_line(session.display_title(language)),
        "when": when(session.start, session.end, event),
        "room": _room_text(session.room),
        "url": absolute_url(session.get_absolute_url()),
        "cancelled": session.is_cancelled,
    }


def reminder_group(
    *, session: Session, language: str, lead_minutes: int, connection: BaseEmailBackend | None = None
) -> MessageGroup:
    """The reminders of ``session`` ``lead_minutes`` before, in ``language``: rendered once
    for everyone who reads that language (:mod:`.prepared`); ``MessageGroup.email`` makes
    each recipient's message."""
    event = session.event
    with translation.override(language):
        item = _session_item(session, event, language)
        lead = lead_text(lead_minutes)
        context = {
            "session": item,
            "languages": ", ".join(i18n.language_name(code) for code in session.languages),
            "lead": lead,
        }
        subject = single_line(gettext("Reminder: %(title)s, %(when)s") % {"title": item["title"], "when": lead})

    def render(name_in_text: str, name_in_html: str) -> tuple[str, str]:
        with translation.override(language):
            return tuple(  # type: ignore[return-value]
                render_to_string(
                    f"notifications/email/reminder.{suffix}",
                    _base_context(
                        participant_name=name, language=language, event=event, subject=subject, context=context
                    ),
                )
                for suffix, name in (("txt", name_in_text), ("html", name_in_html))
            )

    headers = {**_headers(language), "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}
    return MessageGroup(subject=subject, headers=headers, render=render, connection=connection)


def reminder_message(
    *,
    notification: Notification,
    participant: Participant,
    session: Session,
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    """One reminder (:func:`reminder_group` for a group of one)."""
    group = reminder_group(
        session=session, language=participant.language, lead_minutes=notification.lead_minutes, connection=connection
    )
    return group.email(name=_name(participant), address=participant.email, message_id=notification.message_id)


def digest_message(
    *,
    notification: Notification,
    participant: Participant,
    event: Event,
    day: dt.date,
    sessions: Sequence[Session],
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    with translation.override(participant.language):
        day_text = formats.date_format(day, "l j F Y")
        subject = gettext("Your day tomorrow: %(day)s") % {"day": day_text}
        return _message(
            notification=notification,
            participant=participant,
            event=event,
            subject=subject,
            template="digest",
            context={"day": day_text, "sessions": [_session_item(s, event, participant.language) for s in sessions]},
            connection=connection,
        )


def _state_title(state: Mapping[str, Any], event: Event, language: str) -> str:
    return single_line(i18n.pick(state.get("title"), language, [event.default_language]) or state.get("code", ""))


def changes_message(
    *,
    notification: Notification,
    participant: Participant,
    event: Event,
    changes: Sequence[Change],
    rooms: Mapping[int, Room],
    calendar: bytes | None,
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    language = participant.language
    with translation.override(language):
        labels = {
            "added": gettext("New for you"),
            "moved": gettext("Moved"),
            "cancelled": gettext("Cancelled"),
            "removed": gettext("No longer on your agenda"),
        }
        items = []
        for change in changes:
            state, before = change.state, change.before or {}
            items.append(
                {
                    "kind": change.kind,
                    "label": labels[change.kind],
                    "code": change.code,
                    "title": _state_title(state, event, language),
                    "when": when(
                        dt.datetime.fromisoformat(state["start"]), dt.datetime.fromisoformat(state["end"]), event
                    ),
                    "room": _room_text(rooms.get(state["room"])) if state.get("room") is not None else "",
                    "was_when": when(
                        dt.datetime.fromisoformat(before["start"]), dt.datetime.fromisoformat(before["end"]), event
                    )
                    if change.time_changed
                    else "",
                    "was_room": _room_text(rooms.get(before["room"])) if change.room_changed else "",
                    "url": absolute_url(reverse("web:session", kwargs={"event_slug": event.slug, "code": change.code}))
                    if change.after
                    else "",
                }
            )
        subject = ngettext(
            "%(event)s: %(count)s change to your programme",
            "%(event)s: %(count)s changes to your programme",
            len(items),
        ) % {"event": single_line(event.display_name(language)), "count": len(items)}
        message = _message(
            notification=notification,
            participant=participant,
            event=event,
            subject=subject,
            template="changes",
            context={"changes": items, "has_calendar": calendar is not None},
            connection=connection,
        )
        if calendar is not None:
            message.attach("changes.ics", calendar.decode(), "text/calendar")
        return message
