from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from apps.delegations.enums import Role
from apps.delegations.selectors import delegations_listed, principal_for
from apps.events.models import Event, Room
from apps.events.selectors import events_listed
from apps.feeds.services import add_to_calendar_links, public_feeds
from apps.kernel import i18n
from apps.kernel.links import subscription_urls
from apps.programme.selectors import sessions_on_day, sessions_visible_to

from .agenda import mark_agenda
from .forms import ProgrammeFilterForm
from .presenters import day_context, now_and_next, session_view, sessions_by_day, sessions_by_room


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


def _programme_day(request: HttpRequest, event_slug: str) -> dict[str, Any]:
    """What the programme and its print view show: one local day of the event, narrowed by
    the filters in the query string, as the visitor may see it."""
    event = get_object_or_404(Event, slug=event_slug)
    day = day_requested(request, event)
    principal = principal_for(user=request.user, event=event)
    rooms = list(rooms_of(event))
    form = ProgrammeFilterForm(
        request.GET, event=event, rooms=rooms, delegations=list(delegations_listed(event=event).select_related("event"))
    )
    sessions = form.apply(sessions_on_day(sessions_visible_to(principal), event=event, day=day))
    by_room: dict[int | None, Room] = {room.pk: room for room in rooms}
    listed = list(sessions.order_by("start", "code"))
    for session in listed:
        # Rooms were read with the form's choices: no join, no query per session.
        session.room = by_room.get(session.room_id)
    mark_agenda(listed, principal)
    return {
        **day_context(event, day),
        "principal": principal,
        "sessions": listed,
        "rooms": rooms,
        "form": form,
        "query": query_without(request, "day"),
    }


def rooms_of(event: Event) -> QuerySet[Room]:
    """The event's rooms with their venues, by venue and name."""
    return Room.objects.filter(venue__event=event).select_related("venue").order_by("venue__name", "name")


def query_without(request: HttpRequest, name: str) -> str:
    """The query string without ``name``: the filters to carry to another day or page."""
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


def programme(request: HttpRequest, event_slug: str) -> HttpResponse:
    """The programme of one local day of the event, by room, with what is on now and next."""
    context = _programme_day(request, event_slug)
    event: Event = context["event"]
    views = [session_view(session, event) for session in context["sessions"]]
    now = timezone.now()
    return render(
        request,
        "web/programme.html",
        {
            **context,
            "columns": sessions_by_room(views),
            "now_and_next": now_and_next(views, now) if event.local_day(now) == context["day"] else None,
            "feed": subscription_urls(reverse("feeds:public", kwargs={"event_slug": event.slug})),
            "feed_parts": public_feeds(event=event, rooms=context["rooms"]),
            "is_organizer": context["principal"].is_organizer,
        },
        status=400 if context["form"].errors else 200,
    )


def programme_print(request: HttpRequest, event_slug: str) -> HttpResponse:
    """One day of the programme as a table, for paper."""
    context = _programme_day(request, event_slug)
    event: Event = context["event"]
    return render(
        request,
        "web/programme_print.html",
        {**context, "views": [session_view(session, event) for session in context["sessions"]]},
        status=400 if context["form"].errors else 200,
    )


def room_detail(request: HttpRequest, event_slug: str, room_id: int) -> HttpResponse:
    """A room: what it holds, its interpretation booths, and its sessions day by day."""
    event = get_object_or_404(Event, slug=event_slug)
    room = get_object_or_404(Room.objects.select_related("venue"), pk=room_id, venue__event=event)
    principal = principal_for(user=request.user, event=event)
    sessions = list(sessions_visible_to(principal).filter(room=room).order_by("start", "code"))
    for session in sessions:
        session.room = room
    return render(
        request,
        "web/room.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "room": room,
            "booths": [i18n.language_name(code) for code in room.booths],
            "days": sessions_by_day([session_view(session, event) for session in sessions]),
            "feed": subscription_urls(reverse("feeds:room", kwargs={"event_slug": event.slug, "room_id": room.pk})),
        },
    )


def session_detail(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    session = get_object_or_404(sessions_visible_to(principal).select_related("room__venue"), code=code)
    marks = mark_agenda([session], principal)
    view = session_view(session, event)
    room = session.room
    place = f"{room.name}, {room.venue.name}" if room is not None else ""
    page_url = request.build_absolute_uri(session.get_absolute_url())
    return render(
        request,
        "web/session.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "view": view,
            "agenda_mark": marks.get(session.code, ""),
            "audience": [
                *(delegation.display_name() for delegation in session.delegations.select_related("event")),
                *(Role(role).label for role in session.roles if role in Role.values),
            ],
            "add_to": add_to_calendar_links(
                title=view.title, start=session.start, end=session.end, location=place, details=page_url
            ),
        },
    )
