"""The table ``make bench`` prints: figures against baselines and targets, holds or misses."""

import itertools

import pytest

from bench.database import databases
from bench.report import Row, at_least, at_most, failed, median_ratio, ratio_at_least, ratio_at_most, summary, table
from bench.server import vevent_starts


def test_table_rows_hold_or_miss_with_their_ratio_and_notes():
    rows = [
        at_most("grid", "5,000 sessions", 0.5, "s", 1.0, baseline=0.05, baseline_what="100 sessions"),
        ratio_at_least("feed", "2,000 sessions", 140.0, "feeds/s", 3.0, "object model", 20, note="best of 3"),
        failed("publish", "5,000 sessions", "<= 30 s", "RemoteDisconnected"),
    ]

    assert table(rows) == (
        "what     size            figure       baseline                  ratio  target\n"
        "grid     5,000 sessions  0.5 s        0.05 s (100 sessions)     10.00  <= 1 s       holds\n"
        "feed     2,000 sessions  140 feeds/s  3 feeds/s (object model)  46.67  ratio >= 20  holds\n"
        "    best of 3\n"
        "publish  5,000 sessions  -            -                         -      <= 30 s      misses\n"
        "    RemoteDisconnected"
    )
    assert summary(rows) == "1 of 3 targets miss"


@pytest.mark.parametrize(
    ("row", "holds"),
    [
        (at_most("a", "s", 1.0, "s", 1.0), True),
        (at_most("a", "s", 1.01, "s", 1.0), False),
        (at_least("a", "s", 300.0, "req/s", 300.0), True),
        (at_least("a", "s", 299.0, "req/s", 300.0), False),
        (ratio_at_most("a", "s", 0.3, "s", 0.1, "b", 3), True),
        (ratio_at_most("a", "s", 0.31, "s", 0.1, "b", 3), False),
        (ratio_at_least("a", "s", 0.7, "/s", 1.0, "b", 0.7), True),
        (ratio_at_least("a", "s", 0.69, "/s", 1.0, "b", 0.7), False),
    ],
)
def test_rows_hold_exactly_at_their_bound(row, holds):
    assert row.holds is holds


def test_a_failed_row_misses_and_survives_its_trip_between_processes():
    row = failed("feeds fresh", "5,000 sessions", "<= 5 s", "3 feeds still stale")

    back = Row.from_dict(row.as_dict())

    assert (back.holds, back.ratio, back.note) == (False, None, "3 feeds still stale")
    assert summary([back]) == "1 of 1 targets miss"


def test_median_ratio_alternates_the_two_and_gives_their_medians():
    calls = []
    figures, baselines = itertools.count(1), itertools.count(10, 10)

    def measure():
        calls.append("figure")
        return float(next(figures))

    def baseline():
        calls.append("baseline")
        return float(next(baselines))

    assert median_ratio(3, measure, baseline) == (2.0, 20.0)
    assert calls == ["figure", "baseline"] * 3


def test_benchmarks_never_write_the_database_database_url_names():
    found = databases({"DATABASE_URL": "postgres://postgres@db:5432/gaplanner"})

    assert (found.seed, found.work, found.misc) == (
        "postgres://postgres@db:5432/gaplanner_bench_seed",
        "postgres://postgres@db:5432/gaplanner_bench",
        "postgres://postgres@db:5432/gaplanner_bench_misc",
    )


def test_vevent_starts_reads_each_sessions_start_from_a_calendar():
    body = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:scale-a@gaplanner\r\n"
        b"DTSTART;TZID=Africa/Casablanca:20261124T090000\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:scale-b@gaplanner\r\nDTSTART;TZID=Africa/Casablanca:20261124T100000\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    assert vevent_starts(body) == {
        "scale-a@gaplanner": b"DTSTART;TZID=Africa/Casablanca:20261124T090000",
        "scale-b@gaplanner": b"DTSTART;TZID=Africa/Casablanca:20261124T100000",
    }
