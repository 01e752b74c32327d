from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from apps.delegations.selectors import principal_for
from apps.events.models import Event
from apps.events.selectors import events_listed
from apps.feeds.services import add_to_calendar_links
from apps.programme.selectors import sessions_on_day, sessions_visible_to
from gaplanner import i18n
from gaplanner.links import subscription_urls

from .presenters import day_context, session_view, sessions_by_room


def home(request: HttpRequest) -> HttpResponse:
    events = list(events_listed())
    if len(events) == 1:
        return redirect(events[0])
    language = get_language()
    return render(
        request,
        "web/home.html",
        {"events": [(event, i18n.pick(event.name, language, [event.default_language])) for event in events]},
    )


def day_requested(request: HttpRequest, event: Event) -> dt.date:
    raw = request.GET.get("day")
    if raw is None:
        today = event.local_day(timezone.now())
        return today if event.start_date <= today <= event.end_date else event.start_date
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise Http404("No such day") from exc
    if not event.start_date <= day <= event.end_date:
        raise Http404("No such day")
    return day


def programme(request: HttpRequest, event_slug: str) -> HttpResponse:
    """The programme of one local day of the event, by room."""
    event = get_object_or_404(Event, slug=event_slug)
    day = day_requested(request, event)
    principal = principal_for(user=request.user, event=event)
    sessions = list(
        sessions_on_day(sessions_visible_to(principal), event=event, day=day)
        .select_related("room__venue")
        .order_by("start", "code")
    )
    return render(
        request,
        "web/programme.html",
        {
            **day_context(event, day),
            "columns": sessions_by_room(sessions, event),
            "feed": subscription_urls(reverse("feeds:public", kwargs={"event_slug": event.slug})),
            "is_organizer": principal.is_organizer,
        },
    )


def session_detail(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    session = get_object_or_404(sessions_visible_to(principal).select_related("room__venue"), code=code)
    view = session_view(session, event)
    place = f"{session.room.name}, {session.room.venue.name}" if session.room_id else ""
    page_url = request.build_absolute_uri(session.get_absolute_url())
    return render(
        request,
        "web/session.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "view": view,
            "add_to": add_to_calendar_links(
                title=view.title, start=session.start, end=session.end, location=place, details=page_url
            ),
        },
    )
