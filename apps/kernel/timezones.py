"""Time zones: the pinned tz data, strict localisation and offsets written out.

Zone rules change (Morocco's Ramadan switches; UTC+00:00 for good from 2026-09-20, tz
2026c), so ``zoneinfo`` must read the pinned ``tzdata`` package and never the operating
system's copy, which may be older. :func:`use_pinned_tzdata` empties ``zoneinfo``'s search
path; settings call it before anything builds a zone.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

import tzdata


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist, or exists twice, in a zone."""


class NotADateTime(ValueError):
    """Input that is not a date and time written in ISO 8601."""


def use_pinned_tzdata() -> None:
    zoneinfo.reset_tzpath(to=())
    zoneinfo.ZoneInfo.clear_cache()
    available_zones.cache_clear()


def tzdata_version() -> str:
    return tzdata.IANA_VERSION


@cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_zone(name: str) -> bool:
    return name in available_zones()


def get_zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def make_aware_strict(value: datetime, zone: tzinfo) -> datetime:
    """The aware datetime for a naive wall-clock ``value`` in ``zone``.

    Raises :class:`LocalTimeError` when the wall-clock time is skipped by a forward switch
    or repeated by a backward one: such a time is refused, not guessed.
    """
    if value.tzinfo is not None:
        raise ValueError("make_aware_strict takes a naive datetime")
    first = value.replace(tzinfo=zone, fold=0)
    second = value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both folds give different instants: the time is either repeated (ambiguous) or
        # skipped (round trip through UTC does not land on the same wall clock).
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != value:
            raise LocalTimeError(f"{value:%Y-%m-%d %H:%M} does not exist in {zone}")
        raise LocalTimeError(f"{value:%Y-%m-%d %H:%M} is ambiguous in {zone}")
    return first


def format_offset(value: datetime) -> str:
    """``UTC+01:00`` for an aware datetime (``UTC+00:00`` for UTC itself)."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("format_offset takes an aware datetime")
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` begins and the next one begins."""
    start = datetime.combine(day, time.min).replace(tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# The widest offsets any zone uses: UTC-12:00 to UTC+14:00.
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)


def instant_in_utc(value: datetime) -> datetime:
    """An aware instant in UTC. Raises ``ValueError`` for an offset no zone uses (databases
    refuse some of them, and such input is a mistake)."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("instant_in_utc takes an aware datetime")
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise ValueError(f"{format_offset(value)} is not a UTC offset any zone uses (-12:00 to +14:00)")
    return value.astimezone(UTC)


def parse_event_instant(value: object, zone: tzinfo) -> datetime:
    """The instant, in UTC, written ``value``: ISO 8601 text with an offset
    (``2025-11-24T09:00:00+01:00``), or without one, a wall-clock time in ``zone`` (the event's).

    Every event time read from outside (the API, an event bundle) is parsed here. Raises
    :class:`NotADateTime` when ``value`` is not such text, :class:`LocalTimeError` when the
    zone skips or repeats that wall-clock time, and ``ValueError`` for an offset no zone uses.
    """
    if not isinstance(value, str):
        raise NotADateTime("must be a date and time such as 2025-11-24T09:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise NotADateTime(f"{value!r} is not a date and time such as 2025-11-24T09:00") from exc
    if parsed.tzinfo is None:
        parsed = make_aware_strict(parsed, zone)
    return instant_in_utc(parsed)
