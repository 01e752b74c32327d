"""One table for every figure ``make bench`` measures.

Each benchmark returns :class:`Row` objects: what was measured, at what size, the figure, the
baseline measured beside it in the same run, the target, and whether the figure holds it. The
ratio is the figure over its baseline. ``python -m bench`` prints them all as one table.

A measurement that could not be made (a request that failed, a feed never fresh) is still a
row: :func:`failed`, whose figure is not a number and which always misses, with the reason.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    what: str
    size: str
    figure: float
    unit: str
    baseline: float | None
    baseline_what: str
    target: str
    holds: bool
    # What else the reader needs: a page's size, a status, why a figure is missing.
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0 or math.isnan(self.figure):
            return None
        return self.figure / self.baseline

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        return cls(**data)


def at_most(
    what: str,
    size: str,
    figure: float,
    unit: str,
    bound: float,
    *,
    baseline: float | None = None,
    baseline_what: str = "",
    note: str = "",
) -> Row:
    """A row whose target is an absolute bound: ``figure <= bound``."""
    return Row(what, size, figure, unit, baseline, baseline_what, f"<= {_number(bound)} {unit}", figure <= bound, note)


def at_least(
    what: str,
    size: str,
    figure: float,
    unit: str,
    bound: float,
    *,
    baseline: float | None = None,
    baseline_what: str = "",
    note: str = "",
) -> Row:
    """A row whose target is an absolute floor: ``figure >= bound``."""
    return Row(what, size, figure, unit, baseline, baseline_what, f">= {_number(bound)} {unit}", figure >= bound, note)


def ratio_at_most(
    what: str,
    size: str,
    figure: float,
    unit: str,
    baseline: float,
    baseline_what: str,
    bound: float,
    *,
    note: str = "",
) -> Row:
    """A row whose target is a ratio to its baseline: ``figure / baseline <= bound``."""
    holds = figure <= bound * baseline
    return Row(what, size, figure, unit, baseline, baseline_what, f"ratio <= {bound:g}", holds, note)


def ratio_at_least(
    what: str,
    size: str,
    figure: float,
    unit: str,
    baseline: float,
    baseline_what: str,
    bound: float,
    *,
    note: str = "",
) -> Row:
    """A row whose target is a ratio to its baseline: ``figure / baseline >= bound``."""
    holds = figure >= bound * baseline
    return Row(what, size, figure, unit, baseline, baseline_what, f"ratio >= {bound:g}", holds, note)


def failed(what: str, size: str, target: str, reason: str) -> Row:
    """A row for a figure that could not be measured: it misses, and says why."""
    return Row(what, size, math.nan, "", None, "", target, False, reason)


def median_ratio(rounds: int, measure: Callable[[], float], baseline: Callable[[], float]) -> tuple[float, float]:
    """``measure`` and ``baseline`` in alternating rounds: their medians (the ratio of medians
    is steadier than one run's on a machine doing other work)."""
    figures, baselines = [], []
    for _ in range(rounds):
        figures.append(measure())
        baselines.append(baseline())
    return statistics.median(figures), statistics.median(baselines)


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _with_unit(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}".rstrip()


def table(rows: Iterable[Row]) -> str:
    """The rows as one aligned text table, with a note line under a row that has one."""
    header = ("what", "size", "figure", "baseline", "ratio", "target", "")
    lines: list[Sequence[str]] = [header]
    notes: dict[int, str] = {}
    for row in rows:
        ratio = row.ratio
        if row.note:
            notes[len(lines)] = row.note
        lines.append(
            (
                row.what,
                row.size,
                _with_unit(row.figure, row.unit) if not math.isnan(row.figure) else "-",
                f"{_with_unit(row.baseline, row.unit)} ({row.baseline_what})" if row.baseline is not None else "-",
                f"{ratio:.2f}" if ratio is not None else "-",
                row.target,
                "holds" if row.holds else "misses",
            )
        )
    widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if index in notes:
            out.append(f"    {notes[index]}")
    return "\n".join(out)


def summary(rows: Sequence[Row]) -> str:
    """How many targets hold, in one line."""
    missing = [row for row in rows if not row.holds]
    if not missing:
        return f"all {len(rows)} targets hold"
    return f"{len(missing)} of {len(rows)} targets miss"
