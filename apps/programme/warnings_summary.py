"""The working schedule's warnings, kept until the schedule changes, and summarised for the
organizers' pages and the API: counts by kind, the first few of each, the rest by pages.

The whole audit (:func:`~apps.programme.conflicts.warnings_for_schedule`) reads every
session, audience and participant: over a second at 5,000 sessions and 100,000
participants. Its answer depends only on the event's dates and zone, its working sessions
(and their audiences), its participants, rooms and venues, and the reader's language; so it
is kept in the cache under a fingerprint of those rows, read in one query
(:func:`schedule_fingerprint`), and reused while the fingerprint stays the same. Nothing is
ever invalidated: a write changes the fingerprint, and the next reader computes, and keeps,
the new warnings. A fingerprint is read *before* the warnings it keys are computed, so that
a write committed in between makes them newer than their key, never older.

A row counts as changed when its table's count, highest id or latest ``updated_at`` moves:
every write of the schedule, its people, rooms and venues saves rows (``auto_now``), and a
set-based write (an import, a bulk update) sets ``updated_at`` itself; the audiences'
through rows are never updated, only added (a new, higher id) or deleted (a lower count).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Max, QuerySet, Value
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.delegations.models import Participant
from apps.events.models import Event, Room, Venue

from .conflicts import ScheduleWarning, warnings_for_schedule
from .models import Session

# Kinds of warning, in the order pages and answers list them, with their names.
WARNING_KINDS: dict[str, Any] = {
    "double_booked": _("Participants expected in two places"),
    "travel": _("Too little time to travel between venues"),
    "capacity": _("Rooms too small for their audience"),
    "no_booths": _("Languages without interpretation booths"),
    "outside_hours": _("Outside the venue's opening hours"),
    "outside_days": _("Outside the event's days"),
}
# Kinds of change a publication makes, in the order of ``schedule_changes``.
CHANGE_KINDS: dict[str, Any] = {
    "new": _("New"),
    "moved": _("Moved"),
    "changed": _("Changed"),
    "cancelled": _("Cancelled"),
    "removed": _("Removed"),
}
# The first items of each kind a summary shows; the rest are a page away.
FIRST = 5
# Kept warnings of a state no longer current are never read again: they expire.
KEEP_SECONDS = 24 * 3600

T = TypeVar("T")
# What ``schedule_changes`` answers: entries (``code``, ``fields``, ``before``, ``after``) by kind.
Changes = Mapping[str, Sequence[dict[str, Any]]]


def schedule_fingerprint(*, event: Event) -> str:
    """What the warnings of ``event``'s working schedule depend on, as a short string that
    changes with every write to it: one query (a count, the highest id and the latest
    ``updated_at`` of each table read by the audit), plus the event's own fields."""

    def state(rows: QuerySet[Any], part: str, stamp: str = "updated_at") -> QuerySet[Any]:
        labelled = rows.order_by().annotate(part=Value(part, output_field=CharField())).values("part")
        return labelled.annotate(n=Count("pk"), top=Max("pk"), last=Max(stamp))

    working = {"session__event": event, "session__is_published": False}
    parts = state(Session.objects.filter(event=event, is_published=False), "sessions").union(
        state(Session.delegations.through.objects.filter(**working), "delegations", "session__updated_at"),
        state(Session.participants.through.objects.filter(**working), "participants", "session__updated_at"),
        state(Participant.objects.filter(event=event), "people"),
        state(Room.objects.filter(venue__event=event), "rooms"),
        state(Venue.objects.filter(event=event), "venues"),
        all=True,
    )
    rows = sorted((row["part"], row["n"], row["top"], str(row["last"])) for row in parts)
    own = (event.pk, str(event.updated_at), event.timezone, str(event.start_date), str(event.end_date))
    text = repr((own, event.default_language, rows))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Warnings a cache entry holds: a page of a kind costs one or two entries, not all.
CHUNK = 100
# What a summary, a filter and the grid's marks read of every warning: its kind, whether it
# involves a head of delegation, its sessions' codes.
Skeleton = tuple[str, bool, tuple[str, ...]]


class KeptWarnings(Sequence[ScheduleWarning]):
    """Warnings of one state of the schedule, in the audit's order: every warning's
    :data:`Skeleton` in memory, the warnings themselves fetched from the cache by chunks of
    :data:`CHUNK` when read (a page, the first of each kind). Indexing and slicing read
    ``positions`` (a selection of the whole list); :meth:`chosen` narrows them."""

    def __init__(
        self,
        event: Event,
        key: str,
        skeleton: Sequence[Skeleton],
        positions: Sequence[int] | None = None,
        loaded: dict[int, list[ScheduleWarning]] | None = None,
    ) -> None:
        self.event, self.key, self.skeleton = event, key, skeleton
        self.positions: Sequence[int] = range(len(skeleton)) if positions is None else positions
        self.loaded: dict[int, list[ScheduleWarning]] = {} if loaded is None else loaded

    def __len__(self) -> int:
        return len(self.positions)

    def __iter__(self) -> Iterator[ScheduleWarning]:
        return iter(self._fetched(self.positions))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._fetched(self.positions[index])
        return self._fetched([self.positions[index]])[0]

    def chosen(self, keep: Callable[[Skeleton], bool]) -> KeptWarnings:
        """Those of these warnings whose skeleton ``keep`` accepts, in order."""
        skeleton = self.skeleton
        picked = [n for n in self.positions if keep(skeleton[n])]
        return KeptWarnings(self.event, self.key, skeleton, picked, self.loaded)

    def at(self, positions: Sequence[int]) -> list[ScheduleWarning]:
        """The warnings at ``positions`` of the whole list."""
        return self._fetched(positions)

    def skeletons(self) -> Iterable[Skeleton]:
        return (self.skeleton[n] for n in self.positions)

    def _fetched(self, positions: Sequence[int]) -> list[ScheduleWarning]:
        missing = {n // CHUNK for n in positions} - self.loaded.keys()
        if missing:
            found = cache.get_many([f"{self.key}:{chunk}" for chunk in missing])
            for chunk in missing:
                if (warnings := found.get(f"{self.key}:{chunk}")) is None:
                    break  # a chunk evicted before its skeleton: all computed again
                self.loaded[chunk] = warnings
            else:
                missing = set()
        if missing:
            computed = _kept(self.key, warnings_for_schedule(event=self.event))
            self.loaded.update(enumerate(_chunks(computed)))
        return [self.loaded[n // CHUNK][n % CHUNK] for n in positions]


def _chunks(warnings: list[ScheduleWarning]) -> list[list[ScheduleWarning]]:
    return [warnings[n : n + CHUNK] for n in range(0, len(warnings), CHUNK)]


def _kept(key: str, warnings: list[ScheduleWarning]) -> list[ScheduleWarning]:
    """Keep ``warnings`` under ``key``: their skeleton, and their chunks."""
    entries: dict[str, Any] = {f"{key}:{n}": chunk for n, chunk in enumerate(_chunks(warnings))}
    entries[key] = [(w.kind, w.involves_head, tuple(w.sessions)) for w in warnings]
    cache.set_many(entries, KEEP_SECONDS)
    return warnings


def warnings_kept(*, event: Event) -> KeptWarnings:
    """Every warning of ``event``'s working schedule in the active language, as
    :func:`~apps.programme.conflicts.warnings_for_schedule` answers it now: from the cache
    while the schedule is unchanged (one query, then the chunks read), computed and kept
    otherwise."""
    key = f"programme:warnings:{event.pk}:{get_language()}:{schedule_fingerprint(event=event)}"
    skeleton: list[Skeleton] | None = cache.get(key)
    if skeleton is not None:
        return KeptWarnings(event, key, skeleton)
    warnings = _kept(key, warnings_for_schedule(event=event))
    loaded = dict(enumerate(_chunks(warnings)))
    return KeptWarnings(event, key, [(w.kind, w.involves_head, tuple(w.sessions)) for w in warnings], loaded=loaded)


def publication_warnings_kept(*, event: Event, changes: Changes) -> KeptWarnings:
    """The warnings publishing ``changes`` asks to confirm, as
    :func:`~apps.programme.services.publication_warnings` answers them (those naming a
    session the publication adds, moves or changes), taken from :func:`warnings_kept`: the
    audit restricted to some sessions answers exactly the whole audit's warnings that name
    them (:func:`~apps.programme.conflicts.audit`)."""
    codes = {entry["code"] for kind in ("new", "moved", "changed") for entry in changes.get(kind, ())}
    return warnings_kept(event=event).chosen(lambda skeleton: not codes.isdisjoint(skeleton[2]))


def warnings_by_session(warnings: Iterable[ScheduleWarning]) -> dict[str, int]:
    """How many of ``warnings`` name each session, by code."""
    counts: dict[str, int] = {}
    named = (
        (s[2] for s in warnings.skeletons()) if isinstance(warnings, KeptWarnings) else (w.sessions for w in warnings)
    )
    for codes in named:
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
    return counts


@dataclass(frozen=True)
class KindSummary:
    """One kind of item of a list: how many, how many concern a head of delegation, the first."""

    kind: str
    label: str
    count: int
    involving_heads: int
    first: list[Any]


@dataclass(frozen=True)
class Summary:
    count: int
    involving_heads: int
    kinds: list[KindSummary]

    def of_kind(self, kind: str) -> KindSummary | None:
        return next((k for k in self.kinds if k.kind == kind), None)


def _summarised(
    items: Iterable[T], kinds: Mapping[str, Any], kind_of: Callable[[T], str], is_head: Callable[[T], bool], first: int
) -> Summary:
    counts: dict[str, list[int]] = {}
    firsts: dict[str, list[T]] = {}
    for item in items:
        kind = kind_of(item)
        count = counts.setdefault(kind, [0, 0])
        count[0] += 1
        count[1] += is_head(item)
        shown = firsts.setdefault(kind, [])
        if len(shown) < first:
            shown.append(item)
    # Known kinds in their order, then any other (a kind added to the audit) by name.
    order = [kind for kind in kinds if kind in counts] + sorted(counts.keys() - kinds.keys())
    summaries = [
        KindSummary(kind, str(kinds.get(kind, kind)), counts[kind][0], counts[kind][1], firsts[kind]) for kind in order
    ]
    return Summary(
        count=sum(k.count for k in summaries),
        involving_heads=sum(k.involving_heads for k in summaries),
        kinds=summaries,
    )


def warnings_summarised(warnings: Iterable[ScheduleWarning], *, first: int = FIRST) -> Summary:
    """``warnings`` counted by kind (and those involving a head of delegation), with the first
    ``first`` of each kind, kinds in the order of :data:`WARNING_KINDS`. Kept warnings are
    counted on their skeletons: only the first of each kind are read."""
    if not isinstance(warnings, KeptWarnings):
        return _summarised(warnings, WARNING_KINDS, lambda w: w.kind, lambda w: w.involves_head, first)
    numbered = zip(warnings.positions, warnings.skeletons(), strict=True)
    summary = _summarised(numbered, WARNING_KINDS, lambda item: item[1][0], lambda item: item[1][1], first)
    read = iter(warnings.at([n for k in summary.kinds for n, _skeleton in k.first]))
    kinds = [
        KindSummary(k.kind, k.label, k.count, k.involving_heads, [next(read) for _ in k.first]) for k in summary.kinds
    ]
    return Summary(count=summary.count, involving_heads=summary.involving_heads, kinds=kinds)


def changes_summarised(changes: Changes, *, first: int = FIRST) -> Summary:
    """A publication's ``changes`` (``schedule_changes``) counted by kind, with the first
    ``first`` entries of each (``involving_heads`` is 0: a change concerns sessions)."""
    entries = ((kind, entry) for kind in changes for entry in changes[kind])
    summary = _summarised(entries, CHANGE_KINDS, lambda item: item[0], lambda item: False, first)
    kinds = [KindSummary(k.kind, k.label, k.count, 0, [entry for _kind, entry in k.first]) for k in summary.kinds]
    return Summary(count=summary.count, involving_heads=0, kinds=kinds)


def warnings_chosen(
    warnings: Sequence[ScheduleWarning], *, kind: str = "", session: str = ""
) -> Sequence[ScheduleWarning]:
    """Those of ``warnings`` of ``kind`` and naming ``session`` (a code); all when empty."""
    if not kind and not session:
        return warnings
    if isinstance(warnings, KeptWarnings):
        return warnings.chosen(lambda s: (not kind or s[0] == kind) and (not session or session in s[2]))
    return [w for w in warnings if (not kind or w.kind == kind) and (not session or session in w.sessions)]


def changes_chosen(changes: Changes, *, kind: str = "") -> list[dict[str, Any]]:
    """The entries of ``changes`` of ``kind`` (all, kind by kind, when empty), each with its
    ``kind``."""
    kinds = [kind] if kind else list(changes)
    return [{"kind": name, **entry} for name in kinds for entry in changes.get(name, ())]


def page_of(items: Sequence[T], number: Any, size: int) -> Page[T]:
    """The page ``number`` (as the query string gives it: the last page when past it, the
    first when not a number) of ``items``, ``size`` a page."""
    return Paginator(items, size).get_page(number)


__all__ = [
    "CHANGE_KINDS",
    "CHUNK",
    "FIRST",
    "WARNING_KINDS",
    "KeptWarnings",
    "KindSummary",
    "Summary",
    "changes_chosen",
    "changes_summarised",
    "page_of",
    "publication_warnings_kept",
    "schedule_fingerprint",
    "warnings_by_session",
    "warnings_chosen",
    "warnings_kept",
    "warnings_summarised",
]
