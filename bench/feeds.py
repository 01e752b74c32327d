"""Calendar feeds, side by side in one run:

(a) a 2,000-session feed joined from cached fragments vs built with icalendar's object model;
(b) a cached personal feed through the whole Django stack (token check included) vs a view
    that answers the same bytes as a constant;
(c) a 304 answer vs a 200 for the same feed;
(d) the first render of the 2,000-session feed with no fragment cached vs the object model.

``rows()`` returns them as rows of ``python -m bench``'s table; ``main()`` prints them alone.
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
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue
from apps.feeds import ical
from apps.feeds.services import feed_urls, participant_feed
from apps.programme.models import Session
from apps.programme.services import schedule_publish
from bench import urls as bench_urls
from bench.report import Row, median_ratio, ratio_at_least, ratio_at_most, table

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
        room = session.room
        assert room is not None
        event.add("location", f"{room.name}, {room.venue.name}")
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


FEED_SIZE = "2,000 sessions"


def seconds(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def feed_assembly() -> list[Row]:
    items = sessions(2000)

    def joined() -> object:
        return ical.render_feed(
            name="Bench", event=ZONE_EVENT, sessions=items, language="en", site_url=settings.SITE_URL
        )

    def first_render() -> float:
        cache.clear()  # no fragment, no VTIMEZONE cached
        return seconds(joined)

    joined()
    from_fragments = rate(20, joined)
    built = rate(3, lambda: object_model(items))
    uncached, model = median_ratio(3, first_render, lambda: seconds(lambda: object_model(items)))
    return [
        ratio_at_least(
            "feed joined from cached fragments",
            FEED_SIZE,
            from_fragments,
            "feeds/s",
            built,
            "icalendar object model",
            20,
        ),
        ratio_at_most(
            "first render of a feed, no fragment cached",
            FEED_SIZE,
            uncached,
            "s",
            model,
            "icalendar object model",
            1,
            note="medians of 3 alternating rounds; the cache is cleared before each render",
        ),
    ]


def serving() -> list[Row]:
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
    size = f"personal feed, {len(first.content):,} bytes"
    return [
        ratio_at_least(
            "cached feed through the Django stack, token checked",
            size,
            full,
            "answers/s",
            constant,
            "a view answering the same bytes",
            0.7,
        ),
        ratio_at_least(
            "304 for a cached feed",
            size,
            not_modified,
            "answers/s",
            full,
            "200 for the same feed",
            0.9,
            note="a 304 saves bandwidth, not server time, once the feed is cached: it must cost no more",
        ),
    ]


def rows() -> list[Row]:
    return [*feed_assembly(), *serving()]


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
