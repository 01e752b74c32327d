"""Calendar feeds and schedule exports, served thin over the feed services."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import formats, translation
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from apps.delegations.selectors import principal_for
from apps.events.models import Event
from apps.kernel.links import absolute_url
from apps.programme.enums import SessionKind
from apps.programme.selectors import sessions_visible_to

from . import cache as feed_cache
from .frab import frab_json, frab_xml
from .ical import RenderedFeed, render_feed
from .models import Feed, FeedKind
from .selectors import FeedSessions, delegation_feed_sessions, personal_feed_sessions, public_feed_sessions
from .services import feed_is_live
from .tokens import token_version

CONTENT_TYPE = "text/calendar; charset=utf-8"
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _not_modified(request: HttpRequest, feed: RenderedFeed) -> bool:
    # META, not request.headers: building the headers mapping costs more than the rest of a
    # cached answer's checks, and calendar clients poll often.
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return feed.etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if not if_modified_since or not feed.last_modified:
        return False
    since = parse_http_date_safe(if_modified_since)
    return bool(since and int(feed.last_modified.timestamp()) <= since)


def _respond(request: HttpRequest, feed: RenderedFeed, *, private: bool, filename: str) -> HttpResponse:
    if _not_modified(request, feed):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(feed.body, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = feed.etag
    if feed.last_modified_header:
        response["Last-Modified"] = feed.last_modified_header
    if private:
        response["Cache-Control"] = "private, max-age=300"
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "no-referrer"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response


def _language(request: HttpRequest) -> str:
    """The language ``?lang=`` asks for, or "" for none. One the site does not have raises
    ``_BadLanguage``, which :func:`_answers_bad_language` answers."""
    code = request.GET.get("lang", "")
    if code and code not in LANGUAGES:
        raise _BadLanguage(code)
    return code


class _BadLanguage(Exception):
    pass


def _answers_bad_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view``, answering 400 with a plain-text message naming ``lang`` and the languages there
    are when it asks :func:`_language` for one the site does not have. The view reads the
    language where it decides to, so what it checks first (an event, a token) it still does."""

    @functools.wraps(view)
    def answering(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _BadLanguage as exc:
            message = f"lang: {str(exc)!r} is not one of {', '.join(sorted(LANGUAGES))}.\n"
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")

    return answering


@require_safe
@_answers_bad_language
def public_feed(
    request: HttpRequest,
    event_slug: str,
    room_id: int | None = None,
    kind: str | None = None,
    day: dt.date | None = None,
) -> HttpResponse:
    """The public programme, or one room's, one kind's or one local day's part of it, in
    ``?lang=``. A day outside the event's dates, an unknown room or kind: 404."""
    language = _language(request)
    identity = f"public:{room_id}:{kind}:{day}:{language}"
    cached = feed_cache.body_get(event_slug, identity)
    if cached is None:
        event = get_object_or_404(Event, slug=event_slug)
        if kind is not None and kind not in SessionKind.values:
            raise Http404
        if room_id is not None and not event.venues.filter(rooms__pk=room_id).exists():
            raise Http404
        if day is not None and not event.start_date <= day <= event.end_date:
            raise Http404
        language = language or event.default_language
        with translation.override(language):
            name = event.display_name(language)
            if room_id is not None:
                name = f"{name} · {event.venues.get(rooms__pk=room_id).rooms.get(pk=room_id).name}"
            if kind is not None:
                name = f"{name} · {SessionKind(kind).label}"
            if day is not None:
                name = f"{name} · {formats.date_format(day, 'DATE_FORMAT')}"
        selection = public_feed_sessions(event=event, room_id=room_id, kind=kind, day=day)
        cached = render_feed(
            name=name,
            event=event,
            sessions=selection.sessions,
            language=language,
            site_url=settings.SITE_URL,
            description=capped_description(selection, event=event, language=language, public=True),
        )
        feed_cache.body_set(event_slug, identity, cached)
    return _respond(request, cached, private=False, filename=f"{event_slug}.ics")


def capped_description(selection: FeedSessions, *, event: Event, language: str, public: bool) -> str:
    """What a feed past ``settings.FEED_MAX_EVENTS`` says of itself, in ``language``: that it
    holds only part of its sessions, and where the rest is (the programme page's feeds per
    day, room and kind for a public feed; the programme for a personal one). "" for a whole feed."""
    if not selection.is_partial:
        return ""
    values = {
        "kept": len(selection.sessions),
        "total": selection.total,
        "url": absolute_url(event.get_absolute_url() + ("#feeds" if public else "")),
    }
    with translation.override(language):
        if public:
            return (
                ngettext(
                    "This feed holds %(kept)s of the %(total)s session (the next ones first); "
                    "subscribe to a feed per day, room or kind for the rest: %(url)s",
                    "This feed holds %(kept)s of the %(total)s sessions (the next ones first); "
                    "subscribe to a feed per day, room or kind for the rest: %(url)s",
                    selection.total,
                )
                % values
            )
        return (
            ngettext(
                "This feed holds %(kept)s of the %(total)s session (the next ones first); "
                "the programme shows them all: %(url)s",
                "This feed holds %(kept)s of the %(total)s sessions (the next ones first); "
                "the programme shows them all: %(url)s",
                selection.total,
            )
            % values
        )


@require_safe
@_answers_bad_language
def token_feed(request: HttpRequest, feed_id: int, token: str) -> HttpResponse:
    """A personal or delegation feed. The token is checked on every request before anything
    cached is served: unknown 404, rotated away or revoked 410 (calendar clients then stop)."""
    state = feed_cache.token_state_get(feed_id)
    if state is None:
        feed = Feed.objects.select_related("event", "participant").filter(pk=feed_id).first()
        if feed is None:
            raise Http404
        state = {"version": feed.version, "live": feed_is_live(feed), "slug": feed.event.slug}
        feed_cache.token_state_set(feed_id, state)
    version = token_version(feed_id=feed_id, current=state["version"], token=token)
    if version is None:
        raise Http404
    if version != state["version"] or not state["live"]:
        return HttpResponse(_("This calendar link is no longer valid.\n"), status=410, content_type="text/plain")
    requested = _language(request)
    identity = f"token:{feed_id}:{version}:{requested}"
    cached = feed_cache.body_get(state["slug"], identity)
    if cached is None:
        cached = _render_token_feed(feed_id, requested)
        feed_cache.body_set(state["slug"], identity, cached)
    return _respond(request, cached, private=True, filename="agenda.ics")


def _render_token_feed(feed_id: int, requested: str) -> RenderedFeed:
    feed = Feed.objects.select_related("event", "participant", "delegation").get(pk=feed_id)
    event, participant, delegation = feed.event, feed.participant, feed.delegation
    # A personal feed has its participant, a delegation's its delegation (Feed's constraint).
    if feed.kind == FeedKind.PERSONAL and participant is not None:
        language = requested or participant.language or event.default_language
        selection = personal_feed_sessions(participant=participant)
        name = f"{event.display_name(language)} · {participant}"
    elif feed.kind == FeedKind.DELEGATION and delegation is not None:
        language = requested or event.default_language
        selection = delegation_feed_sessions(delegation=delegation)
        name = f"{event.display_name(language)} · {delegation.display_name(language)}"
    else:
        raise ValueError(f"feed {feed.pk} has no {feed.kind}")
    return render_feed(
        name=name,
        event=event,
        sessions=selection.sessions,
        language=language,
        site_url=settings.SITE_URL,
        description=capped_description(selection, event=event, language=language, public=False),
    )


@require_safe
@_answers_bad_language
def session_download(request: HttpRequest, event_slug: str, code: str) -> HttpResponse:
    """One session as an .ics file to open once (not a subscription), if the caller may see it."""
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    session = get_object_or_404(sessions_visible_to(principal).select_related("room__venue"), code=code)
    language = _language(request) or _reader_language(request, event)
    rendered = render_feed(
        name=event.display_name(language),
        event=event,
        sessions=[session],
        language=language,
        site_url=settings.SITE_URL,
    )
    response = _respond(request, rendered, private=True, filename=f"{code.lower()}.ics")
    response["Content-Disposition"] = f'attachment; filename="{code.lower()}.ics"'
    return response


def _reader_language(request: HttpRequest, event: Event) -> str:
    code = getattr(request, "LANGUAGE_CODE", "") or event.default_language
    return code if code in LANGUAGES else event.default_language


FRAB_CACHE_CONTROL = "public, max-age=300"


def _frab_response(
    request: HttpRequest, event_slug: str, *, render: Callable[..., bytes], content_type: str
) -> HttpResponse:
    """The export ``render`` gives for the event's public programme in ``?lang=`` (else the
    event's default language), with a strong ETag of its bytes; ``If-None-Match`` gives 304."""
    requested = _language(request)
    event = get_object_or_404(Event, slug=event_slug)
    body = render(event=event, language=requested or event.default_language, base_url=settings.SITE_URL)
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()}"'
    response["Cache-Control"] = FRAB_CACHE_CONTROL
    # Given a response, it answers that one, a 304 or a 412: never None.
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


@require_safe
@_answers_bad_language
def frab_json_export(request: HttpRequest, event_slug: str) -> HttpResponse:
    """``schedule.json`` (frab/c3voc) of the public programme, for conference apps."""
    return _frab_response(request, event_slug, render=frab_json, content_type="application/json; charset=utf-8")


@require_safe
@_answers_bad_language
def frab_xml_export(request: HttpRequest, event_slug: str) -> HttpResponse:
    """``schedule.xml`` (frab/c3voc) of the public programme, for conference apps."""
    return _frab_response(request, event_slug, render=frab_xml, content_type="application/xml; charset=utf-8")
