"""Manual indicators (DESIGN §7 `manual`): the value recorded for the period; the latest entry
(as of `at`) wins, and every entry is kept."""

from __future__ import annotations

from sqlalchemy import select

from kpimon.config import IndicatorConfig
from kpimon.kpi.indicators.base import EvalContext, Figures, Measured
from kpimon.store import tables as t


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
