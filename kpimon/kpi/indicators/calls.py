"""Call indicators (docs/indicators.md): service level, answer and abandon rates, average wait.

Per-call data (queue_log) and interval data (ACE reports) give the same figures: from interval
data the summed counts are used, with received as offered. Both kinds of source may feed one
indicator; `sources` on the indicator restricts it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from kpimon.config import IndicatorConfig
from kpimon.kpi.indicators.base import (
    OTHER,
    EvalContext,
    Figures,
    Measured,
    group_figures,
    in_unit,
    ratio,
    sum_ratio,
)
from kpimon.store import tables as t

FIELDS = ("answered", "abandoned", "short", "within", "wait_sum", "offered")


def _bucket(ctx: EvalContext, column: Any) -> Any:
    if not ctx.config.queues:
        return column
    return case((column.in_(ctx.config.queues), column), else_=literal(OTHER))


def _call_conditions(ctx: EvalContext, ind: IndicatorConfig) -> list[Any]:
    """The calls that count: entered in the period up to `at`, from the indicator's sources."""
    c = t.calls.c
    conds = [c.entered >= ctx.start, c.entered < ctx.period.end_s, c.entered <= ctx.at]
    if ind.sources:
        conds.append(c.source.in_(ind.sources))
    return conds


def _totals(ctx: EvalContext, ind: IndicatorConfig) -> dict[str, dict[str, int]]:
    """Per queue bucket: answered, abandoned, short abandons, answered within S, wait sum and
    offered (before the short-abandon rule)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    s = ind.threshold or 0
    short = ind.short_abandon
    c = t.calls.c
    bucket = _bucket(ctx, c.queue).label("bucket")
    answered = c.outcome == "answered"
    abandoned = c.outcome == "abandoned"
    conds = _call_conditions(ctx, ind)
    q = select(
        bucket,
        func.sum(case((answered, 1), else_=0)).label("answered"),
        func.sum(case((abandoned, 1), else_=0)).label("abandoned"),
        func.sum(case((and_(abandoned, c.wait_seconds <= (short or -1)), 1), else_=0))
        .label("short"),
        func.sum(case((and_(answered, c.wait_seconds <= s), 1), else_=0)).label("within"),
        func.sum(case((answered, c.wait_seconds), else_=0)).label("wait_sum"),
    ).where(*conds).group_by(bucket)
    for r in ctx.conn.execute(q):
        row = out[r.bucket]
        for name in ("answered", "abandoned", "short", "within", "wait_sum"):
            row[name] += int(getattr(r, name) or 0)
        row["offered"] += int(r.answered or 0) + int(r.abandoned or 0)
    qi = t.queue_intervals.c
    lv = t.queue_interval_levels.alias("lv")
    bucket = _bucket(ctx, qi.queue).label("bucket")
    conds = [qi.start >= ctx.start, qi.start < ctx.period.end_s, qi.start < ctx.at]
    if ind.sources:
        conds.append(qi.source.in_(ind.sources))
    join = t.queue_intervals.outerjoin(lv, and_(
        lv.c.source == qi.source, lv.c.queue == qi.queue, lv.c.start == qi.start,
        lv.c.threshold == s))
    q = select(
        bucket, func.sum(qi.answered).label("answered"),
        func.sum(qi.abandoned).label("abandoned"),
        func.sum(qi.abandoned_short).label("short"),
        func.sum(func.coalesce(lv.c.answered, 0)).label("within"),
        func.sum(qi.wait_seconds_answered_sum).label("wait_sum"),
        func.sum(qi.received).label("offered"),
    ).select_from(join).where(*conds).group_by(bucket)
    for ir in ctx.conn.execute(q):
        totals = out[ir.bucket]
        for name in FIELDS:
            totals[name] += int(getattr(ir, name) or 0)
    return out


def _figures(ind: IndicatorConfig, row: dict[str, int]) -> Figures:
    short = row["short"] if ind.short_abandon else 0
    offered = row["offered"] - short
    if ind.kind == "call_service_level":
        return ratio(row["within"], row["answered"] if ind.formula == "answered_only"
                     else offered)
    if ind.kind == "call_answer_rate":
        return ratio(row["answered"], offered)
    if ind.kind == "call_abandon_rate":
        return ratio(row["abandoned"] - short, offered)
    n = row["answered"]
    return Figures(in_unit(row["wait_sum"] / n, ind) if n else None,
                   in_unit(row["wait_sum"], ind), n)


def measure(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    totals = _totals(ctx, ind)
    rows = {k: _figures(ind, v) for k, v in totals.items()}
    if ind.kind == "call_average_wait":
        def combine(parts: list[Figures]) -> Figures:
            s = sum(p.numerator or 0 for p in parts)
            n = sum(int(p.denominator or 0) for p in parts)
            return Figures(s / n if n else None, s, n)

        return group_figures(ind, ctx.config, rows, combine)
    return group_figures(ind, ctx.config, rows, sum_ratio)


def explain(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    """Per local day and queue: offered, answered, answered within the level, abandoned (and
    short abandons), from per-call and interval data alike, so that the sums over the rows
    give the indicator's figures. Grouped by hour in SQL, then by local day here (at most
    24 rows per day and queue reach Python, never the calls themselves)."""
    s = ind.threshold or 0
    short = ind.short_abandon
    hours: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    c = t.calls.c
    hour = (c.entered - c.entered % 3600).label("hour")
    bucket = _bucket(ctx, c.queue).label("bucket")
    answered = c.outcome == "answered"
    abandoned = c.outcome == "abandoned"
    conds = _call_conditions(ctx, ind)
    q = select(
        bucket, hour,
        func.sum(case((answered, 1), else_=0)).label("answered"),
        func.sum(case((abandoned, 1), else_=0)).label("abandoned"),
        func.sum(case((and_(abandoned, c.wait_seconds <= (short or -1)), 1), else_=0))
        .label("short"),
        func.sum(case((and_(answered, c.wait_seconds <= s), 1), else_=0)).label("within"),
    ).where(*conds).group_by(bucket, hour)
    for r in ctx.conn.execute(q):
        row = hours[(r.bucket, int(r.hour))]
        for name in ("answered", "abandoned", "short", "within"):
            row[name] += int(getattr(r, name) or 0)
        row["offered"] += int(r.answered or 0) + int(r.abandoned or 0)
    qi = t.queue_intervals.c
    lv = t.queue_interval_levels.alias("lv")
    ibucket = _bucket(ctx, qi.queue).label("bucket")
    ihour = (qi.start - qi.start % 3600).label("hour")
    conds = [qi.start >= ctx.start, qi.start < ctx.period.end_s, qi.start < ctx.at]
    if ind.sources:
        conds.append(qi.source.in_(ind.sources))
    join = t.queue_intervals.outerjoin(lv, and_(
        lv.c.source == qi.source, lv.c.queue == qi.queue, lv.c.start == qi.start,
        lv.c.threshold == s))
    q = select(
        ibucket, ihour, func.sum(qi.answered).label("answered"),
        func.sum(qi.abandoned).label("abandoned"), func.sum(qi.abandoned_short).label("short"),
        func.sum(func.coalesce(lv.c.answered, 0)).label("within"),
        func.sum(qi.received).label("offered"),
    ).select_from(join).where(*conds).group_by(ibucket, ihour)
    for ir in ctx.conn.execute(q):
        row = hours[(ir.bucket, int(ir.hour))]
        for name in ("answered", "abandoned", "short", "within", "offered"):
            row[name] += int(getattr(ir, name) or 0)
    days: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    tz = ctx.config.tz
    for (queue, hour_start), row in hours.items():
        day = datetime.fromtimestamp(hour_start, tz).date().isoformat()
        target = days[(day, queue)]
        for name in FIELDS:
            target[name] += row[name]
    out = []
    for (day, queue), row in sorted(days.items()):
        short_n = row["short"] if short else 0
        fig = _figures(ind, row)
        out.append({"day": day, "queue": queue, "offered": row["offered"] - short_n,
                    "answered": row["answered"], "within": row["within"],
                    "abandoned": row["abandoned"] - short_n, "short": short_n,
                    "value": fig.value})
    return out
