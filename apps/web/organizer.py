"""The organizers' pages: the schedule grid (day × room) with warnings marked, a page per
session to move it, the warnings summarised by kind, publishing with a preview of the changes, the
audit log, the participants and their import. Only the event's organizers see them;
everyone else gets 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from apps.delegations.import_jobs import (
    ImportNotReady,
    participant_import_confirm,
    participant_import_create,
    participant_imports_of_event,
)
from apps.delegations.models import Participant
from apps.delegations.selectors import delegations_listed, participants_matching
from apps.events.models import Event, Room
from apps.kernel import i18n
from apps.kernel.timezones import format_offset
from apps.programme.enums import SessionStatus
from apps.programme.errors import NothingToPublish, RoomDoubleBooked, WarningsNotConfirmed
from apps.programme.models import Session
from apps.programme.selectors import audit_entries_of_event, sessions_on_day
from apps.programme.services import schedule_changes, schedule_publish, session_save
from apps.programme.warnings_summary import (
    CHANGE_KINDS,
    WARNING_KINDS,
    changes_chosen,
    changes_summarised,
    page_of,
    publication_warnings_kept,
    warnings_by_session,
    warnings_chosen,
    warnings_kept,
    warnings_summarised,
)

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
    """The working schedule of one day, room by room: each session's time, code, title,
    status and a mark when it has warnings, linked to its own page to move it. Compact, so
    that a day of 1,250 sessions in 131 rooms stays a page of a few hundred KB."""
    event = _organized_event(request, event_slug)
    day = day_requested(request, event)
    rows = list(
        sessions_on_day(Session.objects.working().filter(event=event), event=event, day=day)
        .order_by("start", "code")
        .values_list("code", "title", "start", "end", "status", "room_id")
    )
    flagged = warnings_by_session(warnings_kept(event=event))
    context = day_context(event, day)
    language, fallbacks = get_language(), [event.default_language]
    # Translated once for the page: get_status_display() costs a lookup in lazy choices per call.
    statuses = {value: str(label) for value, label in SessionStatus.choices}
    # One reverse() for the page, not one per session.
    move_url = reverse("web:organizer-move", args=[event.slug, "CODE"]).removesuffix("CODE/move/")
    by_room: dict[int | None, list[str]] = {}
    for code, title, start, end, status, room_id in rows:
        start, end = start.astimezone(event.zone), end.astimezone(event.zone)
        offset = format_offset(start)
        count = flagged.get(code, 0)
        # Each session's line built here rather than by the template: at 1,250 sessions a day,
        # the template's tags and filters cost most of the page's time.
        by_room.setdefault(room_id, []).append(
            format_html(
                '<li class="slot status-{}{}" id="session-{}"><time>{}</time>–{}<time>{}</time>{}'
                ' <a href="{}">{}</a> <code>{}</code> · {}{}</li>',
                status,
                " has-warnings" if count else "",
                code,
                f"{start:%H:%M}",
                f"{date_format(end, 'D j')} " if start.date() != end.date() else "",
                f"{end:%H:%M}",
                "" if offset == context["day_offset"] else f" {offset}",
                f"{move_url}{code}/move/",
                i18n.pick(title, language, fallbacks),
                code,
                statuses.get(status, status),
                format_html(' <span class="mark">⚠ {}</span>', _warnings_count(count)) if count else "",
            )
        )
    columns = [{"room": room, "cells": by_room.get(room.pk, [])} for room in rooms_of(event)]
    if None in by_room:
        columns.append({"room": None, "cells": by_room[None]})
    return render(
        request,
        "web/organizer/grid.html",
        {
            **context,
            "columns": columns,
            "session_count": len(rows),
            "warning_count": sum(1 for row in rows if row[0] in flagged),
            "section": "grid",
        },
    )


def _warnings_count(count: int) -> str:
    return ngettext("%(count)s warning", "%(count)s warnings", count) % {"count": count}


@login_required
def move(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    """One session of the working schedule, its warnings, and the form to move it (to
    another day, time or room) through ``session_save``; what went wrong is shown here."""
    event = _organized_event(request, event_slug)
    session = get_object_or_404(Session.objects.working().select_related("room__venue"), event=event, code=code)
    rooms = list(rooms_of(event))
    view = session_view(session, event)
    if request.method == "POST":
        form = MoveForm(request.POST, event=event, rooms=rooms, prefix=code)
        if form.is_valid():
            data = {
                "start": form.cleaned_data["start"],
                "end": form.cleaned_data["end"],
                "room": form.cleaned_data["room"],
            }
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
    else:
        form = MoveForm(
            event=event,
            rooms=rooms,
            initial={
                "day": view.start.date(),
                "start": view.start.time(),
                "end": view.end.time(),
                "room": session.room_id,
            },
            prefix=code,
        )
    warnings = warnings_chosen(warnings_kept(event=event), session=code)
    return render(
        request,
        "web/organizer/move.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "view": view,
            "day": view.start.date(),
            "form": form,
            "warnings": warnings,
            "section": "grid",
        },
        status=400 if form.errors else 200,
    )


# Warnings a page of the full list shows.
WARNINGS_PAGE = 100
# Changes a page of one kind shows, and the first of each kind the summary names.
CHANGES_PAGE = 100
FIRST_CHANGES = 10


def _choice(request: HttpRequest, name: str, choices: Iterable[str]) -> str:
    """The query's ``name`` if it is one of ``choices``, else empty (no choice)."""
    value = request.GET.get(name, "")
    return value if value in choices else ""


@login_required
def conflicts(request: HttpRequest, event_slug: str) -> HttpResponse:
    """The warnings of the working schedule: how many of each kind (and how many concern a
    head of delegation) with the first few, and every warning of a kind (``?kind=``) or of
    a session (``?session=``) by pages."""
    event = _organized_event(request, event_slug)
    warnings = warnings_kept(event=event)
    kind = _choice(request, "kind", WARNING_KINDS)
    session = request.GET.get("session", "")[:32]
    chosen = warnings_chosen(warnings, kind=kind, session=session) if kind or session else None
    return render(
        request,
        "web/organizer/conflicts.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "summary": warnings_summarised(warnings),
            "kind": kind,
            "kind_label": WARNING_KINDS.get(kind, ""),
            "session": session,
            "page": None if chosen is None else page_of(chosen, request.GET.get("page"), WARNINGS_PAGE),
            "query": query_without(request, "page"),
            "section": "conflicts",
        },
    )


def _change_rows(entries: Sequence[dict[str, Any]], event: Event) -> list[dict[str, Any]]:
    """Entries of ``schedule_changes`` as the publish page shows them: the title, and the
    states before and after with times in the event's zone and rooms by name."""
    rooms = dict(Room.objects.filter(venue__event=event).values_list("pk", "name"))
    language, fallbacks = get_language(), [event.default_language]

    def shown(state: dict[str, Any] | None) -> dict[str, Any] | None:
        if not state:
            return None
        return {
            "start": dt.datetime.fromisoformat(state["start"]).astimezone(event.zone),
            "end": dt.datetime.fromisoformat(state["end"]).astimezone(event.zone),
            "room": rooms.get(state["room"], ""),
            "status": SessionStatus(state["status"]).label,
        }

    return [
        {
            "code": entry["code"],
            "title": i18n.pick(
                (entry.get("after") or entry.get("before") or {}).get("title") or {}, language, fallbacks
            ),
            "fields": entry.get("fields", []),
            "before": shown(entry.get("before")),
            "after": shown(entry.get("after")),
        }
        for entry in entries
    ]


@login_required
def publish(request: HttpRequest, event_slug: str) -> HttpResponse:
    """What publishing now would change, summarised by kind (every change of a kind by pages,
    ``?kind=``), the warnings it asks to confirm, summarised the same way (``?warnings=``),
    and the form that publishes."""
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
    changes = schedule_changes(event=event)
    warnings = publication_warnings_kept(event=event, changes=changes)
    kind = _choice(request, "kind", CHANGE_KINDS)
    warnings_kind = _choice(request, "warnings", WARNING_KINDS)
    page = page_of(changes_chosen(changes, kind=kind), request.GET.get("page"), CHANGES_PAGE) if kind else None
    if page is not None:
        page.object_list = _change_rows(list(page), event)
    return render(
        request,
        "web/organizer/publish.html",
        {
            "event": event,
            "event_name": event.display_name(get_language()),
            "form": form,
            "changes": changes_summarised(changes, first=FIRST_CHANGES),
            "kind": kind,
            "kind_label": CHANGE_KINDS.get(kind, ""),
            "page": page,
            "warnings": warnings_summarised(warnings),
            "warnings_kind": warnings_kind,
            "warnings_label": WARNING_KINDS.get(warnings_kind, ""),
            "warnings_page": page_of(
                warnings_chosen(warnings, kind=warnings_kind), request.GET.get("warnings_page"), WARNINGS_PAGE
            )
            if warnings_kind
            else None,
            "query": query_without(request, "page"),
            "warnings_query": query_without(request, "warnings_page"),
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
