"""Indicator values month by month: the status page's 12-month trend and the report's charts.

Months that ended long ago come from the engine's cache of settled periods, so a trend costs
the running month and the last two or three months per compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kpimon.kpi.engine import KpiEngine
from kpimon.periods import Period, containing, months_of


@dataclass(frozen=True)
class TrendPoint:
    """One month's value of one indicator (None: no value)."""

    label: str
    first: date
    value: float | None


def last_months(at: datetime, tz: ZoneInfo, n: int = 12) -> list[Period]:
    """The `n` months up to and including the one that contains `at`, oldest first."""
    current = containing("month", at, tz)
    out = [current]
    while len(out) < n:
        out.append(out[-1].previous())
    return out[::-1]


__all__ = ["TrendPoint", "last_months", "months_of", "monthly"]


def monthly(engine: KpiEngine, months: list[Period], at: datetime,
            only: list[str] | None = None) -> dict[str, list[TrendPoint]]:
    """Per indicator id: its value in each of `months` as of `at` (months after `at` have
    none)."""
    wanted = [p for p in months if p.start <= at]
    figures = engine.values(wanted, at, only)
    ids = [i.id for i in engine.config.indicators if only is None or i.id in only]
    out: dict[str, list[TrendPoint]] = {i: [] for i in ids}
    for p in months:
        got = figures.get(p.label)
        for ident in ids:
            value = got[ident].total.value if got is not None else None
            out[ident].append(TrendPoint(p.label, p.first, value))
    return out
