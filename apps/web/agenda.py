"""A participant's own pages: their agenda and their delegation's, the calendar subscription
(with a QR code for the phone) and its rotation; a head of delegation's view of each member's
agenda."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.delegations.selectors import Principal, participants_visible_to, principal_for
from apps.events.models import Event
from apps.feeds.services import feed_rotate, participant_feed, participant_feed_links
from apps.kernel.links import qr_svg, subscribe_links
from apps.programme.errors import AgendaSessionCancelled, ExpectedByAudience
from apps.programme.models import Session
from apps.programme.selectors import agenda_marks, sessions_expecting, sessions_of_delegation
from apps.programme.services import agenda_add, agenda_remove

from .presenters import SessionView, session_view, sessions_by_day


def _days(
    sessions: QuerySet[Session], event: Event, *, marks_for: Principal | None = None
) -> list[tuple[dt.date, list[SessionView]]]:
    """Sessions by local day of the event, in order; with ``marks_for``, each marked for its
    "Add to my agenda" button (``agenda_mark``)."""
    ordered = list(sessions.select_related("room__venue").order_by("start", "code"))
    if marks_for is not None:
        mark_agenda(ordered, marks_for)
    return sessions_by_day([session_view(session, event) for session in ordered])


def mark_agenda(sessions: list[Session], principal: Principal) -> dict[str, str]:
    """Set ``agenda_mark`` on each session (see ``agenda_marks``): what its agenda button
    offers the principal; the marks by session code are returned too. Two queries for a
    participant, none for anyone else."""
    marks = agenda_marks(principal, sessions)
    for session in sessions:
        session.agenda_mark = marks.get(session.code, "")  # type: ignore[attr-defined]  # for the templates only
    return marks


def _not_a_participant(request: HttpRequest, event: Event) -> HttpResponse:
    context = {"event": event, "event_name": event.display_name(get_language())}
    return render(request, "web/not_a_participant.html", context, status=404)


@login_required
def my_agenda(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    me = principal.participant
    if me is None:
        return _not_a_participant(request, event)
    delegation = me.delegation if me.delegation_id else None
    delegation_days = None
    if delegation is not None:
        delegation_days = _days(sessions_of_delegation(delegation=delegation, principal=principal), event)
    name = event.display_name(get_language())
    feeds = participant_feed_links(me)
    return render(
        request,
        "web/my_agenda.html",
        {
            "event": event,
            "event_name": name,
            "participant": me,
            "days": _days(sessions_expecting(principal), event, marks_for=principal),
            "delegation_days": delegation_days,
            "delegation_name": delegation.display_name() if delegation is not None else "",
            "members": list(participants_visible_to(principal).exclude(pk=me.pk).order_by("last_name", "first_name"))
            if principal.is_head
            else [],
            "subscriptions": _subscriptions(feeds, name),
        },
    )


def _subscriptions(feeds: dict[str, dict[str, str]], event_name: str) -> list[dict[str, Any]]:
    """Each feed the participant may subscribe to, with its links and QR code."""
    titles = {
        "personal": _("My agenda"),
        "delegation": _("My delegation's agenda"),
    }
    return [
        {
            "key": key,
            "title": titles[key],
            "links": subscribe_links(urls, name=f"{event_name} · {titles[key]}"),
            "qr": qr_svg(urls["webcal"], title=_("QR code of the subscription address")),
        }
        for key, urls in feeds.items()
    ]


@login_required
@require_POST
def my_feed_rotate(request: HttpRequest, event_slug: str) -> HttpResponse:
    """A new address for the participant's personal feed; the old one stops working."""
    event = get_object_or_404(Event, slug=event_slug)
    me = principal_for(user=request.user, event=event).participant
    if me is None:
        return _not_a_participant(request, event)
    feed_rotate(feed=participant_feed(participant=me))
    messages.success(
        request,
        _("Your calendar has a new address. The old one no longer works: subscribe again with the new one."),
    )
    return redirect("web:my-agenda", event_slug=event.slug)


@login_required
def member_agenda(request: HttpRequest, event_slug: str, participant_id: int) -> HttpResponse:
    """A participant's agenda as their head of delegation (or an organizer) sees it."""
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    member = get_object_or_404(
        participants_visible_to(principal).select_related("delegation", "event"), pk=participant_id
    )
    return render(
        request,
        "web/member_agenda.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "member": member,
            "days": _days(sessions_expecting(Principal(event=event, participant=member)), event),
            "is_organizer": principal.is_organizer,
        },
    )


@require_POST
@login_required
def agenda_choice(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    """Add a session the participant may see to their agenda (``action=add``), or take out
    one they added (``action=remove``); then back to the page they came from."""
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    if principal.participant is None:
        return _not_a_participant(request, event)
    action = request.POST.get("action")
    try:
        if action == "add":
            agenda_add(principal=principal, code=code)
            messages.success(request, _("Added to your agenda, your calendar and your reminders."))
        elif action == "remove":
            agenda_remove(principal=principal, code=code)
            messages.success(request, _("Removed from your agenda."))
        else:
            return HttpResponseBadRequest()
    except AgendaSessionCancelled:
        messages.error(request, _("This session is cancelled: it cannot be added to your agenda."))
    except ExpectedByAudience:
        messages.error(request, _("You are expected at this session: it stays in your agenda."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(reverse("web:session", kwargs={"event_slug": event.slug, "code": code}))
