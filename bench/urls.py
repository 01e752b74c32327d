"""The site's URLs plus a view that answers constant bytes, placed where the feeds' routes are
so that both resolve through the same patterns: the floor of the Django stack."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from gaplanner.urls import urlpatterns as site

BODY = b""


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/calendar; charset=utf-8")


_feeds = next(n for n, pattern in enumerate(site) if getattr(pattern, "app_name", None) == "feeds")
urlpatterns = [*site[:_feeds], path("bench/constant.ics", constant), *site[_feeds:]]
