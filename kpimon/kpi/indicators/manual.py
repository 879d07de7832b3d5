"""Manual indicators (docs/indicators.md): the value recorded for the period; the latest entry
(as of `at`) wins, and every entry is kept.

An entry belongs to the exact period it was recorded for (`2020` is not `2020-12`). "As of
`at`" applies to the moment an entry was made: `kpis --at` shows what had been recorded by
then, so an adopted or past figure can be reproduced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kpimon.config import IndicatorConfig
from kpimon.kpi.indicators.base import EvalContext, Figures, Measured
from kpimon.store import tables as t
from kpimon.timeutil import from_epoch


def measure(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    mv = t.manual_values.c
    row = ctx.conn.execute(
        select(mv.value, mv.entered_at, mv.note)
        .where(mv.indicator == ind.id, mv.period == ctx.period.label, mv.entered_at <= ctx.at)
        .order_by(mv.entered_at.desc(), mv.id.desc()).limit(1)).first()
    if row is None:
        return Measured(Figures(None, None, None))
    return Measured(Figures(float(row.value), None, None),
                    extra={"entered_at": row.entered_at, "note": row.note})


def explain(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    """Every entry for the period, oldest first: the one that counts, the ones it superseded,
    and any made after `at`."""
    mv = t.manual_values.c
    rows = ctx.conn.execute(
        select(mv.value, mv.entered_at, mv.note, mv.author)
        .where(mv.indicator == ind.id, mv.period == ctx.period.label)
        .order_by(mv.entered_at, mv.id)).all()
    counted = max((i for i, r in enumerate(rows) if r.entered_at <= ctx.at), default=None)
    tz = ctx.config.tz
    return [{"value": float(r.value), "entered_at": from_epoch(r.entered_at, tz).isoformat(),
             "author": r.author, "note": r.note,
             "verdict": "counted" if i == counted else
             "superseded" if r.entered_at <= ctx.at else "after_at"}
            for i, r in enumerate(rows)]
