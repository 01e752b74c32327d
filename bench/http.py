"""Pages, API and feeds over HTTP at full size, against a 100-session event in the same run.

The server (gunicorn with gunicorn.conf.py, and a Celery worker: ``bench/server.py``) and
this load generator are separate processes. The database is a fresh copy of the seed
database (``bench/database.py``): event ``scale`` (200 delegations, 100,000 participants,
5,000 sessions, 4 published versions) and event ``small`` (100 sessions), both built by
``manage.py seed_scale`` when absent, then analysed. Rounds alternate between the full-size
request and the same request for the small event; the table shows their medians and the
ratio of the medians. Times are the client's: from sending the request to the last byte.

In order: reads (organizer pages, public pages, exports, API), query counts of the sessions
list (in this process), then writes (a move with ``If-Match``, a publication of it, the
affected feeds polled until they show it), then every session moved and published at once,
then the history (``changes?since=0``), then the web workers' peak memory.

``BENCH_ROUNDS`` (default 5) sets the rounds.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import database
from bench.report import Row, at_most, failed, median_ratio, ratio_at_most, table
from bench.server import (
    Answer,
    Http,
    Organizer,
    Server,
    django_setup,
    event_day_paths,
    feed_path,
    free_port,
    local,
    organizer_for,
    running,
    vevent_starts,
)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
FULL, SMALL = database.FULL, database.SMALL
SIZE = "5,000 sessions, 100,000 participants"
BASE = "100-session event"
MOVE = dt.timedelta(minutes=15)
# How long a feed may take to show a change before the benchmark stops waiting for it.
FRESH_DEADLINE = 60.0
PAGE_TIME = 1.0
PAGE_KB = 500.0


def say(message: str) -> None:
    print(f"bench.http: {message}", file=sys.stderr, flush=True)


class Unexpected(Exception):
    """An answer other than the one the measurement needs."""


def expect(answer: Answer, *statuses: int) -> Answer:
    if answer.status not in statuses:
        body = answer.body[:160].decode(errors="replace").replace("\n", " ")
        raise Unexpected(f"answered {answer.status} after {answer.seconds:.1f} s: {body}")
    return answer


def guarded(what: str, size: str, target: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """``measure``'s rows, or one row that misses and says what went wrong."""
    try:
        return measure()
    except Exception as exc:  # any failure is a figure that misses, not a crash of the run
        say(f"{what}: {exc!r}")
        return [failed(what, size, target, f"{type(exc).__name__}: {str(exc)[:300]}")]


@dataclass
class Context:
    server: Server
    organizer: Organizer

    def api(self) -> Http:
        return self.organizer.api(self.server.port)

    def pages(self) -> Http:
        return self.organizer.pages(self.server.port)

    def anonymous(self) -> Http:
        return Http(self.server.port)


def paired_get(client: Http, full: str, small: str) -> tuple[float, float, Answer, Answer]:
    """``full`` and ``small`` in alternating rounds: medians and the last answers."""
    last: dict[str, Answer] = {}

    def one(path: str) -> Callable[[], float]:
        def run() -> float:
            last[path] = expect(client.get(path), 200)
            return last[path].seconds

        return run

    one(full)()  # warm: the first request of a worker imports and connects
    one(small)()
    figure, baseline = median_ratio(ROUNDS, one(full), one(small))
    return figure, baseline, last[full], last[small]


def reads(context: Context) -> list[Row]:
    day = {slug: event_day_paths(slug)[1].rsplit("/", 1)[1].removesuffix(".ics") for slug in (FULL, SMALL)}
    pages, api, anonymous = context.pages(), context.api(), context.anonymous()
    probes: list[tuple[str, Http, Callable[[str], str], bool]] = [
        ("organizer grid, one day", pages, lambda s: f"/events/{s}/organize/?day={day[s]}", True),
        ("organizer conflicts page", pages, lambda s: f"/events/{s}/organize/conflicts/", True),
        ("organizer publish preview", pages, lambda s: f"/events/{s}/organize/publish/", True),
        ("public programme, one day", anonymous, lambda s: f"/events/{s}/?day={day[s]}", False),
        ("frab schedule.json", anonymous, lambda s: f"/events/{s}/schedule.json", False),
        ("API conflicts/", api, lambda s: f"/api/v1/events/{s}/conflicts/", False),
        ("API publish preview (GET publish/)", api, lambda s: f"/api/v1/events/{s}/publish/", False),
    ]
    rows: list[Row] = []
    for what, client, path, sized in probes:

        def measure(
            what: str = what, client: Http = client, path: Callable[[str], str] = path, sized: bool = sized
        ) -> list[Row]:
            figure, baseline, full, small = paired_get(client, path(FULL), path(SMALL))
            found = [
                at_most(
                    what,
                    SIZE,
                    figure,
                    "s",
                    PAGE_TIME,
                    baseline=baseline,
                    baseline_what=BASE,
                    note=f"{full.kb:,.0f} KB (the small event's: {small.kb:,.0f} KB)",
                )
            ]
            if sized:
                found.append(
                    at_most(f"{what}: size", SIZE, full.kb, "KB", PAGE_KB, baseline=small.kb, baseline_what=BASE)
                )
            return found

        say(what)
        rows.extend(guarded(what, SIZE, f"<= {PAGE_TIME:g} s", measure))
    json_pages = context.organizer.pages(context.server.port, {"Accept": "application/json"})
    rows.extend(guarded("API sessions list, 200 a page", SIZE, "ratio <= 3", lambda: sessions_list(json_pages)))
    rows.extend(guarded("API sessions list: queries", SIZE, "ratio <= 1", sessions_queries))
    return rows


def sessions_list(api: Http) -> list[Row]:
    """The API's page and the baseline view with the same (session) sign-in: both read the
    rows of the organizer's working schedule."""
    say("API sessions list")
    figure, baseline, full, values = paired_get(
        api, f"/api/v1/events/{FULL}/sessions/?page_size=200", f"/bench/{FULL}/sessions-values/"
    )
    return [
        ratio_at_most(
            "API sessions list, 200 a page",
            SIZE,
            figure,
            "s",
            baseline,
            ".values() + JSON, same rows",
            3,
            note=f"{full.kb:,.0f} KB; .values() + JSON {values.kb:,.0f} KB",
        )
    ]


def sessions_queries() -> list[Row]:
    """The sessions list's queries at 20 and 200 a page, in this process (same database)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"accept": "application/json"})
    client.force_login(get_user_model().objects.get(username="bench-organizer"))
    counts = {}
    for size in (20, 200):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"/api/v1/events/{FULL}/sessions/?page_size={size}", secure=True)
        if answer.status_code != 200:
            raise Unexpected(f"answered {answer.status_code}")
        counts[size] = len(queries)
    return [
        ratio_at_most(
            "API sessions list: queries at 200 a page",
            SIZE,
            counts[200],
            "queries",
            counts[20],
            "20 a page",
            1,
        )
    ]


@dataclass(frozen=True)
class Movable:
    slug: str
    code: str
    uid: str
    feeds: list[str]


def movable(slug: str) -> Movable:
    """A public, confirmed, published session with its room free for ``MOVE`` after it (a
    plenary for the member delegations first: the widest audience), and the feeds that show
    it: its day's, its room's, its kind's, an expected delegation's and one of its members'."""
    from django.db.models import Q

    from apps.delegations.models import Delegation, Participant
    from apps.events.models import Event
    from apps.feeds.ical import session_uid
    from apps.feeds.services import delegation_feed, feed_urls, participant_feed
    from apps.programme.models import Session

    event = Event.objects.get(slug=slug)
    working = Session.objects.working().filter(event=event)
    published = set(Session.objects.published().filter(event=event).values_list("code", flat=True))
    candidates = working.filter(status="confirmed", visibility="public", room__isnull=False).select_related("room")
    ordered = sorted(candidates, key=lambda s: (not s.for_member_delegations, s.kind != "plenary", s.code))
    for session in ordered:
        local_end = (session.end + MOVE).astimezone(event.zone)
        if session.code not in published or local_end.time() > dt.time(21, 0):
            continue
        if local_end.date() != session.start.astimezone(event.zone).date():
            continue
        clash = working.filter(room=session.room, start__lt=session.end + MOVE, end__gt=session.start).exclude(
            Q(pk=session.pk) | Q(status="cancelled")
        )
        if clash.exists():
            continue
        day = session.start.astimezone(event.zone).date()
        feeds = [
            f"/events/{slug}/feeds/days/{day.isoformat()}.ics",
            f"/events/{slug}/feeds/rooms/{session.room_id}.ics",
            f"/events/{slug}/feeds/kinds/{session.kind}.ics",
        ]
        delegation = session.delegations.order_by("pk").first()
        if delegation is None and session.for_member_delegations:
            delegation = Delegation.objects.filter(event=event, kind="member").order_by("pk").first()
        if delegation is not None:
            feeds.append(feed_path(feed_urls(delegation_feed(delegation=delegation))["https"]))
            member = Participant.objects.filter(delegation=delegation, is_active=True).order_by("pk").first()
            if member is not None:
                feeds.append(feed_path(feed_urls(participant_feed(participant=member))["https"]))
        return Movable(slug, session.code, session_uid(event, session), feeds)
    raise Unexpected(f"no session of {slug} can move by {MOVE}")


def snapshot(client: Http, paths: list[str]) -> dict[str, dict[str, bytes]]:
    return {path: vevent_starts(expect(client.get(path), 200).body) for path in paths}


def wait_fresh(client: Http, before: dict[str, dict[str, bytes]], uids: set[str] | None, began: float) -> float:
    """Seconds from ``began`` until every feed in ``before`` that held one of ``uids`` (every
    session it held, for ``None``) shows a new DTSTART for each of them that it still holds
    (the feeds polled in turn, as fast as they answer)."""
    waiting = {path for path, starts in before.items() if starts and (uids is None or uids & starts.keys())}
    if not waiting:
        raise Unexpected("no feed held the moved sessions")
    while waiting:
        if time.perf_counter() - began > FRESH_DEADLINE:
            raise Unexpected(f"{len(waiting)} feeds still stale after {FRESH_DEADLINE:.0f} s: {sorted(waiting)[:3]}")
        for path in sorted(waiting):
            now = vevent_starts(expect(client.get(path), 200).body)
            common = (uids if uids is not None else before[path].keys()) & before[path].keys() & now.keys()
            if common and all(now[uid] != before[path][uid] for uid in common):
                waiting.discard(path)
        time.sleep(0.02)
    return time.perf_counter() - began


def latest_version(slug: str) -> int:
    """The event's newest version number, read in the database (the API's answer about a
    version may be large: it is measured elsewhere)."""
    from django.db.models import Max

    from apps.programme.models import ScheduleVersion

    return ScheduleVersion.objects.filter(event__slug=slug).aggregate(last=Max("number"))["last"] or 0


def publish(api: Http, slug: str) -> tuple[float, int]:
    """Publish the working schedule: seconds until the new version exists (the answer, or
    for a publication that runs in the background, the version in the database), and the
    answer's status."""
    before = latest_version(slug)
    began = time.perf_counter()
    answer = expect(
        api.request("POST", f"/api/v1/events/{slug}/publish/", body={"confirm_warnings": True, "note": "bench"}),
        201,
        202,
    )
    if answer.status == 201:
        return answer.seconds, answer.status
    while latest_version(slug) <= before:
        if time.perf_counter() - began > FRESH_DEADLINE:
            raise Unexpected(f"no new version {FRESH_DEADLINE:.0f} s after publishing")
        time.sleep(0.05)
    return time.perf_counter() - began, answer.status


@dataclass
class MoveRound:
    patch: float
    publish: float
    fresh: float


def move_and_publish(api: Http, feeds: Http, target: Movable, forward: bool) -> MoveRound:
    """Move the session by ``MOVE`` (back when not ``forward``) with ``If-Match``, publish,
    and poll its feeds until they show it: the seconds of each."""
    path = f"/api/v1/events/{target.slug}/sessions/{target.code}/"
    current = expect(api.get(path), 200)
    session = current.json()
    shift = MOVE if forward else -MOVE
    start = dt.datetime.fromisoformat(session["start"]) + shift
    end = dt.datetime.fromisoformat(session["end"]) + shift
    before = snapshot(feeds, target.feeds)
    began = time.perf_counter()
    patched = expect(
        api.request(
            "PATCH",
            path,
            body={"start": local(start, target.slug), "end": local(end, target.slug)},
            headers={"If-Match": current.headers["etag"]},
        ),
        200,
    )
    published, _status = publish(api, target.slug)
    fresh = wait_fresh(feeds, before, {target.uid}, began)
    return MoveRound(patched.seconds, published, fresh)


def writes(context: Context) -> list[Row]:
    api, feeds = context.api(), context.anonymous()
    targets = {slug: movable(slug) for slug in (FULL, SMALL)}
    rounds: dict[str, list[MoveRound]] = {FULL: [], SMALL: []}
    for number in range(ROUNDS):
        for slug in (FULL, SMALL):
            say(f"move and publish, round {number + 1}, {slug}")
            rounds[slug].append(move_and_publish(api, feeds, targets[slug], forward=number % 2 == 0))

    def median(slug: str, part: str) -> float:
        return statistics.median(getattr(r, part) for r in rounds[slug])

    note = f"medians of {ROUNDS} alternating rounds, moving {targets[FULL].code} by 15 minutes and back"
    return [
        at_most(
            "move one session (PATCH with If-Match)",
            SIZE,
            median(FULL, "patch"),
            "s",
            0.2,
            baseline=median(SMALL, "patch"),
            baseline_what=BASE,
            note=note,
        ),
        at_most(
            "publish after that one move",
            SIZE,
            median(FULL, "publish"),
            "s",
            1.0,
            baseline=median(SMALL, "publish"),
            baseline_what=BASE,
        ),
        at_most(
            "one move -> affected feeds fresh",
            SIZE,
            median(FULL, "fresh"),
            "s",
            5.0,
            baseline=median(SMALL, "fresh"),
            baseline_what=BASE,
            note=f"from the PATCH to its day, room, kind, delegation and member feeds showing it "
            f"({len(targets[FULL].feeds)} feeds)",
        ),
    ]


def move_everything(slug: str) -> int:
    """Every session of the working schedule later by ``MOVE``, as one organizer's bulk change
    would (``updated_at`` set): first far away, then back, so that no order of the rows'
    updates meets PostgreSQL's room exclusion constraint."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from apps.programme.models import Session

    far = dt.timedelta(days=3650)
    working = Session.objects.working().filter(event__slug=slug)
    with transaction.atomic():
        working.update(start=F("start") + far, end=F("end") + far)
        return working.update(start=F("start") - far + MOVE, end=F("end") - far + MOVE, updated_at=timezone.now())


def shared_feeds(slug: str) -> list[str]:
    """The event's shared feeds: the programme, each day's, the first three rooms', a kind's,
    and the first delegation's."""
    from apps.delegations.models import Delegation
    from apps.events.models import Room
    from apps.feeds.services import delegation_feed, feed_urls

    rooms = Room.objects.filter(venue__event__slug=slug).order_by("pk").values_list("pk", flat=True)[:3]
    delegation = Delegation.objects.filter(event__slug=slug).order_by("pk").first()
    found = [f"/events/{slug}/feeds/public.ics", *event_day_paths(slug)]
    found += [f"/events/{slug}/feeds/rooms/{room}.ics" for room in rooms]
    found.append(f"/events/{slug}/feeds/kinds/plenary.ics")
    if delegation is not None:
        found.append(feed_path(feed_urls(delegation_feed(delegation=delegation))["https"]))
    return found


def publish_everything(context: Context) -> list[Row]:
    api, feeds = context.api(), context.anonymous()
    found: dict[str, tuple[float, int, float, int, int]] = {}
    for slug in (FULL, SMALL):
        say(f"every session moved and published, {slug}")
        paths = shared_feeds(slug)
        before = snapshot(feeds, paths)
        moved = move_everything(slug)
        began = time.perf_counter()
        seconds, status = publish(api, slug)
        fresh = wait_fresh(feeds, before, None, began)
        found[slug] = (seconds, status, fresh, moved, len(paths))
    seconds, status, fresh, moved, count = found[FULL]
    return [
        at_most(
            f"publish all {moved:,} sessions moved",
            SIZE,
            seconds,
            "s",
            30.0,
            baseline=found[SMALL][0],
            baseline_what=BASE,
            note=f"answered {status}; the bound is gunicorn's request timeout",
        ),
        at_most(
            "publish all moved -> every shared feed fresh",
            SIZE,
            fresh,
            "s",
            30.0,
            baseline=found[SMALL][2],
            baseline_what=BASE,
            note=f"from the POST to {count} feeds (programme, days, rooms, a kind, a delegation) showing every move",
        ),
    ]


def history(context: Context) -> list[Row]:
    api = context.api()
    say("changes?since=0")
    versions = latest_version(FULL)
    figure, baseline, full, small = paired_get(
        api, f"/api/v1/events/{FULL}/changes/?since=0", f"/api/v1/events/{SMALL}/changes/?since=0"
    )
    return [
        at_most(
            f"API changes?since=0 after {versions} versions, first answer",
            SIZE,
            figure,
            "s",
            PAGE_TIME,
            baseline=baseline,
            baseline_what=BASE,
            note=f"{full.kb:,.0f} KB (the small event's: {small.kb:,.0f} KB)",
        ),
        at_most(
            "API changes?since=0: size of the first answer",
            SIZE,
            full.kb,
            "KB",
            PAGE_KB,
            baseline=small.kb,
            baseline_what=BASE,
        ),
    ]


def run(database_url: str) -> list[Row]:
    port = free_port()
    django_setup(database_url, port)
    from django.core.cache import cache
    from django.db import connections

    cache.clear()  # the benchmark's Redis: no feed or fragment of an earlier run
    organizer = organizer_for([FULL, SMALL])
    connections.close_all()
    rows: list[Row] = []
    with running(database_url) as server:
        context = Context(server, organizer)
        light = context.anonymous()
        for _ in range(12):  # every worker up, after a light page
            expect(light.request("GET", f"/events/{SMALL}/", headers={"Connection": "close"}), 200)
        idle = min(server.peak_rss_mb().values(), default=float("nan"))
        parts: list[Callable[[Context], list[Row]]] = [reads, writes, publish_everything, history]
        for part in parts:
            rows.extend(guarded(part.__name__, SIZE, "runs", functools.partial(part, context)))
        peaks = dict(server.peaks)
        rows.append(
            at_most(
                "web worker peak memory (VmHWM)",
                SIZE,
                max(peaks.values(), default=float("nan")),
                "MB",
                300.0,
                baseline=idle,
                baseline_what="a worker after its first page",
                note=f"the largest of {len(peaks)} worker processes, sampled every 0.25 s",
            )
        )
    return rows


def rows() -> list[Row]:
    return database.rows_on_work_copy("bench.http", SIZE, run, say)


def main() -> None:
    print(table(rows()))


if __name__ == "__main__":
    main()
