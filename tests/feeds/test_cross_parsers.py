"""Independent parsers read the same instants as the database: icalendar (ours) and ical.js
(Thunderbird's), run by node, for the 2025 assembly, an event across a Ramadan switch and
one after Morocco's 2026 change."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest

from apps.programme.models import Session
from tests.factories import EventFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
READER = Path(__file__).with_name("js") / "read_feed.mjs"


def ical_js(body: bytes) -> dict:
    node = shutil.which("node")
    assert node, "node is needed to run ical.js (Debian's nodejs)"
    assert (ROOT / "node_modules" / "ical.js").is_dir(), "ical.js is not installed: run `make test` (npm ci)"
    result = subprocess.run([node, str(READER)], input=body, capture_output=True, check=True, cwd=ROOT)
    return json.loads(result.stdout)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    ("slug", "first", "last", "local_times"),
    [
        # 2025 assembly: UTC+01:00.
        ("ga-2025", "2025-11-24", "2025-11-27", ["2025-11-24T09:00", "2025-11-27T17:30"]),
        # Ramadan 2026 ends on 2026-03-22 at 02:00 UTC: UTC+00:00 before, UTC+01:00 after.
        ("ramadan", "2026-03-20", "2026-03-24", ["2026-03-21T09:00", "2026-03-22T01:30", "2026-03-23T09:00"]),
        # After 2026-09-20 Casablanca is UTC+00:00 for good.
        ("ga-2026", "2026-11-02", "2026-11-05", ["2026-11-02T09:00", "2026-11-05T18:00"]),
    ],
)
def test_ical_js_and_icalendar_read_the_database_instants(client, publish, slug, first, last, local_times):
    event = EventFactory(slug=slug, start_date=dt.date.fromisoformat(first), end_date=dt.date.fromisoformat(last))
    for n, local in enumerate(local_times):
        start = dt.datetime.fromisoformat(local).replace(tzinfo=event.zone)
        SessionFactory(event=event, room=None, code=f"S-{n}", start=start, end=start + dt.timedelta(minutes=90))
    publish(event)
    stored = {
        f"{slug}-{s.code.lower()}@gaplanner": (utc(s.start), utc(s.end))
        for s in Session.objects.published().filter(event=event)
    }

    body = client.get(f"/events/{slug}/feeds/public.ics").content
    by_ical_js = {e["uid"]: (e["start"], e["end"]) for e in ical_js(body)["events"]}
    by_icalendar = {
        str(e["uid"]): (utc(e.decoded("dtstart")), utc(e.decoded("dtend")))
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }

    assert by_ical_js == stored
    assert by_icalendar == stored


def test_ical_js_reads_status_sequence_and_arabic(client, publish):
    event = EventFactory(slug="ga-2025")
    session = SessionFactory(event=event, room=None, code="S-1", title={"ar": "الجلسة الافتتاحية"}, status="cancelled")
    publish(event)

    [read] = ical_js(client.get("/events/ga-2025/feeds/public.ics?lang=ar").content)["events"]

    assert (read["status"], read["sequence"], read["summary"]) == (
        "CANCELLED",
        session.sequence,
        "ملغاة: الجلسة الافتتاحية",
    )


def test_ical_js_reads_every_kind_of_feed(client, personas, publish):
    from apps.delegations.models import Participant
    from apps.feeds.services import delegation_feed, feed_urls, participant_feed
    from tests.factories import RoomFactory

    event = personas.event
    head = Participant.objects.get(user=personas.head)
    room = RoomFactory(venue__event=event)
    start = dt.datetime(2025, 11, 25, 9, 0, tzinfo=event.zone)
    SessionFactory(event=event, room=room, code="PL-1", kind="plenary", start=start, end=start + dt.timedelta(hours=1))
    SessionFactory(
        event=event,
        room=None,
        code="MA-1",
        kind="bilateral",
        visibility="restricted",
        start=start,
        end=start + dt.timedelta(hours=1),
        audience={"delegations": [head.delegation]},
    )
    publish(event)
    feeds = {
        "public": "/events/ga-2025/feeds/public.ics",
        "room": f"/events/ga-2025/feeds/rooms/{room.pk}.ics",
        "kind": "/events/ga-2025/feeds/kinds/bilateral.ics",
        "personal": feed_urls(participant_feed(participant=head))["https"].removeprefix("http://127.0.0.1:8000"),
        "delegation": feed_urls(delegation_feed(delegation=head.delegation))["https"].removeprefix(
            "http://127.0.0.1:8000"
        ),
    }

    read = {
        name: sorted((e["uid"], e["start"]) for e in ical_js(client.get(url).content)["events"])
        for name, url in feeds.items()
    }

    pl, ma = (
        ("ga-2025-pl-1@gaplanner", "2025-11-25T08:00:00.000Z"),
        ("ga-2025-ma-1@gaplanner", "2025-11-25T08:00:00.000Z"),
    )
    assert read == {"public": [pl], "room": [pl], "kind": [], "personal": [ma], "delegation": [ma]}


def test_ical_js_reads_a_day_feed_and_a_capped_feeds_description(client, publish, settings):
    settings.FEED_MAX_EVENTS = 1
    event = EventFactory(slug="ga-2025")
    for n, day in enumerate((24, 25)):
        start = dt.datetime(2025, 11, day, 9, tzinfo=event.zone)
        SessionFactory(event=event, room=None, code=f"S-{n}", start=start, end=start + dt.timedelta(hours=1))
    publish(event)

    capped = ical_js(client.get("/events/ga-2025/feeds/public.ics").content)
    day = ical_js(client.get("/events/ga-2025/feeds/days/2025-11-25.ics").content)

    sentence = (
        "This feed holds 1 of the 2 sessions (the next ones first); subscribe to a feed per day, room or kind "
        "for the rest: http://127.0.0.1:8000/events/ga-2025/#feeds"
    )
    assert (capped["description"], capped["caldesc"]) == (sentence, sentence)
    assert (day["name"], day["description"], [e["uid"] for e in day["events"]]) == (
        "Assembly ga-2025 · Nov. 25, 2025",
        None,
        ["ga-2025-s-1@gaplanner"],
    )
