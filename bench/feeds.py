"""Calendar feeds, side by side in one run:

(a) a 2,000-session feed joined from cached fragments vs built with icalendar's object model;
(b) a cached personal feed through the whole Django stack (token check included) vs a view
    that answers the same bytes as a constant;
(c) a 304 answer vs a 200 for the same feed.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

os.environ.setdefault("VAR_DIR", "var/bench")
os.environ["ALLOWED_HOSTS"] = "testserver"

from bench import setup

setup()

import icalendar
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.feeds import ical
from apps.feeds.services import feed_urls, participant_feed
from apps.programme.models import Session
from apps.programme.services import schedule_publish
from bench import urls as bench_urls

ZONE_EVENT = Event(
    pk=1,
    slug="bench",
    name={"en": "Bench"},
    timezone="Africa/Casablanca",
    start_date=dt.date(2025, 11, 24),
    end_date=dt.date(2025, 11, 27),
    default_language="en",
)


def sessions(count: int) -> list[Session]:
    venue = Venue(pk=1, event=ZONE_EVENT, name="Palais")
    rooms = [Room(pk=n, venue=venue, name=f"Room {n}", capacity=100) for n in range(1, 41)]
    stamp = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    result = []
    for n in range(count):
        start = dt.datetime(2025, 11, 24 + n % 4, 8, 0, tzinfo=ZONE_EVENT.zone) + dt.timedelta(minutes=15 * (n % 48))
        result.append(
            Session(
                pk=n + 1,
                event=ZONE_EVENT,
                code=f"S-{n:05d}",
                kind="plenary",
                room=rooms[n % 40],
                title={"en": f"Session {n}: agenda item, with commas; and more", "ar": "الجلسة العامة"},
                description={"en": "A description long enough to fold across several lines. " * 3},
                start=start,
                end=start + dt.timedelta(minutes=90),
                status="confirmed",
                sequence=n % 3,
                updated_at=stamp,
            )
        )
    return result


def object_model(items: list[Session]) -> bytes:
    """The same feed, built the usual way: an icalendar Calendar holding Event objects."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", ical.PRODID)
    calendar.add("x-wr-calname", "Bench")
    for session in items:
        event = icalendar.Event()
        event.add("uid", ical.session_uid(ZONE_EVENT, session))
        event.add("dtstamp", session.updated_at)
        event.add("sequence", session.sequence)
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
        event.add("summary", session.title["en"])
        event.add("description", session.description["en"])
        event.add("location", f"{session.room.name}, {session.room.venue.name}")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def rate(runs: int, work: Callable[[], object]) -> float:
    """Calls per second, best of three rounds."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for _ in range(runs):
            work()
        best = min(best, time.perf_counter() - began)
    return runs / best


def feed_assembly() -> None:
    items = sessions(2000)
    ical.render_feed(name="Bench", event=ZONE_EVENT, sessions=items, language="en", site_url=settings.SITE_URL)
    joined = rate(
        20,
        lambda: ical.render_feed(
            name="Bench", event=ZONE_EVENT, sessions=items, language="en", site_url=settings.SITE_URL
        ),
    )
    built = rate(3, lambda: object_model(items))
    print(
        f"(a) 2,000-session feed: from cached fragments {joined:.1f}/s, icalendar object model {built:.2f}/s: "
        f"{joined / built:.0f}x (target >= 20x)"
    )


def serving() -> None:
    call_command("migrate", verbosity=0)
    call_command("sample_load", verbosity=0)
    event = Event.objects.get(slug="interpol-ga-2025")
    if not Session.objects.published().filter(event=event).exists():
        schedule_publish(event=event, confirm_warnings=True)
    head = Participant.objects.get(event=event, email="head.ma@example.org")
    path = feed_urls(participant_feed(participant=head))["https"].split("://", 1)[1].split("/", 1)[1]
    client = Client()
    with override_settings(ROOT_URLCONF=bench_urls, ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        first = client.get(f"/{path}")
        assert first.status_code == 200, first.status_code
        bench_urls.BODY = first.content
        etag = first["ETag"]
        full = rate(300, lambda: client.get(f"/{path}"))
        constant = rate(300, lambda: client.get("/bench/constant.ics"))
        not_modified = rate(300, lambda: client.get(f"/{path}", HTTP_IF_NONE_MATCH=etag))
    print(
        f"(b) cached personal feed through the Django stack {full:.0f}/s vs a constant view {constant:.0f}/s: "
        f"{full / constant:.2f} (target >= 0.7); {len(first.content):,} bytes"
    )
    print(f"(c) 304 {not_modified:.0f}/s vs 200 {full:.0f}/s: {not_modified / full:.2f}x")


if __name__ == "__main__":
    feed_assembly()
    serving()
