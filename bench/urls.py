"""The site's URLs plus the benchmarks' baselines, answered through the same stack:

- ``bench/constant.ics``: the same bytes as a feed, as a constant (placed where the feeds'
  routes are, so that both resolve through the same patterns): the floor of the Django stack;
- ``bench/<event>/sessions-values/``: the rows of the API's first page of sessions (200), read
  with ``.values()`` and their audiences' ids, written with ``json.dumps``: what the API's
  serializers cost above the data itself.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from apps.delegations.selectors import principal_for
from apps.events.models import Event
from apps.programme.models import Session
from apps.programme.selectors import sessions_visible_to
from gaplanner.urls import urlpatterns as site

BODY = b""
PAGE = 200
FIELDS = [
    "id",
    "code",
    "kind",
    "title",
    "description",
    "room_id",
    "room__name",
    "start",
    "end",
    "status",
    "visibility",
    "languages",
    "roles",
    "for_everyone",
    "for_member_delegations",
    "expected_attendance",
    "sequence",
    "updated_at",
]


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/calendar; charset=utf-8")


def sessions_values(request: HttpRequest, event_slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=event_slug)
    principal = principal_for(user=request.user, event=event)
    if not principal.is_organizer:
        raise Http404
    rows = list(sessions_visible_to(principal).order_by("start", "code").values(*FIELDS)[:PAGE])
    ids = [row["id"] for row in rows]
    audiences: dict[int, dict[str, list[int]]] = {i: {"participants": [], "delegations": []} for i in ids}
    for name, through, column in (
        ("participants", Session.participants.through, "participant_id"),
        ("delegations", Session.delegations.through, "delegation_id"),
    ):
        for session_id, other in through.objects.filter(session_id__in=ids).values_list("session_id", column):
            audiences[session_id][name].append(other)
    body = json.dumps({"results": [{**row, **audiences[row["id"]]} for row in rows]}, cls=DjangoJSONEncoder)
    return HttpResponse(body, content_type="application/json")


_feeds = next(n for n, pattern in enumerate(site) if getattr(pattern, "app_name", None) == "feeds")
urlpatterns = [
    *site[:_feeds],
    path("bench/constant.ics", constant),
    path("bench/<slug:event_slug>/sessions-values/", sessions_values),
    *site[_feeds:],
]
