import datetime as dt

import pytest

from apps.kernel.timezones import (
    LocalTimeError,
    NotADateTime,
    format_offset,
    get_zone,
    is_valid_zone,
    local_day_bounds,
    make_aware_strict,
    parse_event_instant,
    tzdata_version,
)

CASABLANCA = get_zone("Africa/Casablanca")


def test_tzdata_is_the_pinned_package_with_moroccos_2026_change():
    assert tzdata_version() >= "2026c"


@pytest.mark.parametrize(
    ("wall_clock", "offset"),
    [
        (dt.datetime(2025, 11, 24, 9, 0), "UTC+01:00"),  # the 2025 assembly
        (dt.datetime(2026, 3, 1, 9, 0), "UTC+00:00"),  # Ramadan 2026
        (dt.datetime(2026, 3, 23, 9, 0), "UTC+01:00"),  # after Ramadan 2026
        (dt.datetime(2026, 11, 24, 9, 0), "UTC+00:00"),  # after 2026-09-20, for good
    ],
)
def test_casablanca_offsets_follow_pinned_rules(wall_clock, offset):
    aware = make_aware_strict(wall_clock, CASABLANCA)

    assert format_offset(aware) == offset


def test_make_aware_strict_refuses_a_skipped_time():
    with pytest.raises(LocalTimeError, match="does not exist"):
        make_aware_strict(dt.datetime(2026, 3, 22, 2, 30), CASABLANCA)


def test_make_aware_strict_refuses_a_repeated_time():
    with pytest.raises(LocalTimeError, match="ambiguous"):
        make_aware_strict(dt.datetime(2026, 2, 15, 2, 30), CASABLANCA)


def test_make_aware_strict_rejects_aware_input():
    with pytest.raises(ValueError, match="naive"):
        make_aware_strict(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), CASABLANCA)


def test_format_offset_writes_negative_and_half_hour_offsets():
    assert format_offset(dt.datetime(2025, 1, 1, tzinfo=get_zone("America/St_Johns"))) == "UTC-03:30"
    assert format_offset(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) == "UTC+00:00"


def test_local_day_bounds_are_event_days_in_utc():
    assert local_day_bounds(dt.date(2025, 11, 24), CASABLANCA) == (
        dt.datetime(2025, 11, 23, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 11, 24, 23, 0, tzinfo=dt.UTC),
    )


def test_zone_names_are_checked_against_the_pinned_data():
    assert is_valid_zone("Africa/Casablanca")
    assert not is_valid_zone("Africa/Marrakech")
    assert not is_valid_zone("../../etc/passwd")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2025-11-24T09:00", dt.datetime(2025, 11, 24, 8, 0, tzinfo=dt.UTC)),  # the event's wall clock
        ("2026-03-01T09:00", dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)),  # Ramadan 2026: UTC+00:00
        ("2025-11-24T09:00:00-05:00", dt.datetime(2025, 11, 24, 14, 0, tzinfo=dt.UTC)),  # as written
    ],
)
def test_parse_event_instant_reads_wall_clock_or_offset(text, instant):
    parsed = parse_event_instant(text, CASABLANCA)

    assert (parsed, parsed.tzinfo) == (instant, dt.UTC)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (None, NotADateTime, "must be a date and time such as 2025-11-24T09:00"),
        ("tomorrow", NotADateTime, "'tomorrow' is not a date and time such as 2025-11-24T09:00"),
        ("2026-03-22T02:30", LocalTimeError, "2026-03-22 02:30 does not exist in Africa/Casablanca"),
        ("2025-11-24T09:00+15:00", ValueError, "UTC+15:00 is not a UTC offset any zone uses (-12:00 to +14:00)"),
    ],
)
def test_parse_event_instant_refuses_what_is_not_an_event_time(value, error, message):
    with pytest.raises(error) as refused:
        parse_event_instant(value, CASABLANCA)

    assert str(refused.value) == message
