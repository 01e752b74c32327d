"""The organizers' pages: the schedule grid (day × room) with conflicts marked and a move
form on each session, the conflict list, publishing with a preview of the changes, the
audit log, the participants and their import. Only the event's organizers see them;
everyone else gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.delegations.import_jobs import (
    ImportNotReady,
    participant_import_confirm,
    participant_import_create,
    participant_imports_of_event,
)
from apps.delegations.models import Participant
from apps.delegations.selectors import delegations_listed, participants_matching
from apps.events.models import Event
from apps.programme.conflicts import warnings_for_schedule
from apps.programme.errors import NothingToPublish, RoomDoubleBooked, WarningsNotConfirmed
from apps.programme.models import Session
from apps.programme.selectors import audit_entries_of_event, sessions_on_day
from apps.programme.services import schedule_changes, schedule_publish, session_save

from .forms import ImportForm, MoveForm, ParticipantSearchForm, PublishForm
from .presenters import day_context, session_view
from .views import day_requested, query_without, rooms_of


def _organized_event(request: HttpRequest, slug: str) -> Event:
    event = get_object_or_404(Event, slug=slug)
    if not event.is_organizer(request.user):
        raise Http404
    return event


@login_required
def grid(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = _organized_event(request, event_slug)
    day = day_requested(request, event)
    return _render_grid(request, event, day)


def _render_grid(
    request: HttpRequest, event: Event, day: dt.date, failed: tuple[str, MoveForm] | None = None
) -> HttpResponse:
    sessions = list(
        sessions_on_day(Session.objects.working().filter(event=event), event=event, day=day)
        .select_related("room__venue")
        .order_by("start", "code")
    )
    flagged: dict[str, list[str]] = {}
    for warning in warnings_for_schedule(event=event):
        for code in warning.sessions:
            flagged.setdefault(code, []).append(warning.message)
    rooms = list(rooms_of(event))
    columns: list[dict[str, Any]] = []
    for room in [*rooms, None]:
        cells = []
        for session in (s for s in sessions if s.room_id == (room.pk if room else None)):
            view = session_view(session, event)
            form = (
                failed[1]
                if failed and failed[0] == session.code
                else MoveForm(
                    event=event,
                    rooms=rooms,
                    initial={
                        "day": view.start.date(),
                        "start": view.start.time(),
                        "end": view.end.time(),
                        "room": room.pk if room else None,
                    },
                    prefix=session.code,
                )
            )
            cells.append({"view": view, "warnings": flagged.get(session.code, []), "form": form})
        if room is not None or cells:
            columns.append({"room": room, "cells": cells})
    return render(
        request,
        "web/organizer/grid.html",
        {
            **day_context(event, day),
            "columns": columns,
            "warning_count": len(flagged),
            "section": "grid",
        },
        status=400 if failed else 200,
    )


@login_required
def move(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    event = _organized_event(request, event_slug)
    session = get_object_or_404(Session.objects.working(), event=event, code=code)
    if request.method != "POST":
        return redirect(reverse("web:organizer-grid", args=[event.slug]))
    rooms = list(rooms_of(event))
    form = MoveForm(request.POST, event=event, rooms=rooms, prefix=code)
    if form.is_valid():
        data = {"start": form.cleaned_data["start"], "end": form.cleaned_data["end"], "room": form.cleaned_data["room"]}
        try:
            session_save(session=session, data=data)
        except RoomDoubleBooked as exc:
            clashing = ", ".join(s.code for s in exc.sessions)
            form.add_error("room", _("The room already holds %(codes)s at that time.") % {"codes": clashing})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(code)s moved.") % {"code": code})
            day = form.cleaned_data["start"].astimezone(event.zone).date()
            return redirect(f"{reverse('web:organizer-grid', args=[event.slug])}?day={day.isoformat()}")
    # The grid of the day the session is on, where its form shows what went wrong.
    return _render_grid(request, event, event.local_day(session.start), failed=(code, form))


@login_required
def conflicts(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = _organized_event(request, event_slug)
    return render(
        request,
        "web/organizer/conflicts.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "warnings": warnings_for_schedule(event=event),
            "section": "conflicts",
        },
    )


@login_required
def publish(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = _organized_event(request, event_slug)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = schedule_publish(
                event=event,
                note=form.cleaned_data["note"],
                actor=request.user,
                confirm_warnings=form.cleaned_data["confirm_warnings"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except NothingToPublish:
            form.add_error(None, _("Nothing has changed since the last published version."))
        except WarningsNotConfirmed:
            form.add_error("confirm_warnings", _("The schedule has warnings: confirm that it should be published."))
        else:
            messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
            return redirect(reverse("web:organizer-publish", args=[event.slug]))
    latest = event.versions.order_by("-number").first()
    return render(
        request,
        "web/organizer/publish.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "form": form,
            "changes": schedule_changes(event=event),
            "warnings": warnings_for_schedule(event=event),
            "latest": latest,
            "section": "publish",
        },
        status=400 if form.errors else 200,
    )


@login_required
def audit(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = _organized_event(request, event_slug)
    page = Paginator(audit_entries_of_event(event=event), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "web/organizer/audit.html",
        {"event": event, "event_name": event.display_name(get_language()), "page": page, "section": "audit"},
    )


@login_required
def participants(request: HttpRequest, event_slug: str) -> HttpResponse:
    """Everyone registered for the event, searchable, with a link to each one's agenda."""
    event = _organized_event(request, event_slug)
    form = ParticipantSearchForm(request.GET, delegations=list(delegations_listed(event=event).select_related("event")))
    people = (
        Participant.objects.filter(event=event)
        .select_related("delegation__event")
        .order_by("last_name", "first_name", "id")
    )
    if form.is_valid():
        if text := form.cleaned_data["q"].strip():
            people = participants_matching(people, text)
        if form.cleaned_data["delegation"]:
            people = people.filter(delegation=form.cleaned_data["delegation"])
        if form.cleaned_data["role"]:
            people = people.filter(role=form.cleaned_data["role"])
    return render(
        request,
        "web/organizer/participants.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "form": form,
            "page": Paginator(people, 100).get_page(request.GET.get("page")),
            "query": query_without(request, "page"),
            "section": "participants",
        },
        status=400 if form.errors else 200,
    )


@login_required
def imports(request: HttpRequest, event_slug: str) -> HttpResponse:
    """Send a CSV file of participants: it is stored and checked by a worker; its page shows
    the progress, then the problems by row, or what importing it would do."""
    event = _organized_event(request, event_slug)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = participant_import_create(
            event=event, user=request.user, filename=upload.name, content=upload.read(), language=get_language()
        )
        return redirect(reverse("web:organizer-import", args=[event.slug, job.pk]))
    return render(
        request,
        "web/organizer/imports.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "form": form,
            "recent": participant_imports_of_event(event=event)[:10],
            "section": "imports",
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HttpRequest, event_slug: str, job_id: int) -> HttpResponse:
    """One import: its progress while a worker checks or writes it (the page refreshes
    itself), then the problems by row, or the counts and a button to import, or the result."""
    event = _organized_event(request, event_slug)
    job = get_object_or_404(participant_imports_of_event(event=event), pk=job_id)
    return render(
        request,
        "web/organizer/import.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "job": job,
            "report": job.report,
            "section": "imports",
        },
    )


@login_required
def import_apply(request: HttpRequest, event_slug: str, job_id: int) -> HttpResponse:
    """Confirm a checked import: a worker writes it."""
    event = _organized_event(request, event_slug)
    job = get_object_or_404(participant_imports_of_event(event=event), pk=job_id)
    if request.method == "POST":
        try:
            participant_import_confirm(job=job)
        except ImportNotReady:
            messages.error(request, _("This file cannot be imported now; its page says why."))
    return redirect(reverse("web:organizer-import", args=[event.slug, job.pk]))
