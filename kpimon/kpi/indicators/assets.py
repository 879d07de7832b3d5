"""`asset_reconciliation` (docs/indicators.md): the computers in one inventory but not the other.

The latest snapshot of each source as of `at` is compared by normalised name (kpimon.inventory);
the value is the size of the symmetric difference, and the two counts and the names on each
side are kept for `explain` and the report. When either side only gives a count, the value is
|count a − count b|.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kpimon.config import IndicatorConfig
from kpimon.inventory import reconcile, reconcile_counts
from kpimon.kpi.indicators.base import EvalContext, Figures, Measured
from kpimon.store import tables as t


def _latest(ctx: EvalContext, source: str) -> Any:
    ds = t.device_snapshots.c
    return ctx.conn.execute(
        select(ds.id, ds.count, ds.named, ds.taken_at)
        .where(ds.source == source, ds.taken_at <= ctx.at)
        .order_by(ds.taken_at.desc(), ds.id.desc()).limit(1)).first()


def _names(ctx: EvalContext, snapshot_id: int) -> list[str]:
    return list(ctx.conn.execute(select(t.devices.c.name).where(
        t.devices.c.snapshot_id == snapshot_id)).scalars())


def measure(ctx: EvalContext, ind: IndicatorConfig) -> Measured:
    a = _latest(ctx, ind.a or "")
    b = _latest(ctx, ind.b or "")
    if a is None or b is None:
        return Measured(Figures(None, None, None))
    if a.named and b.named:
        rec = reconcile(_names(ctx, a.id), _names(ctx, b.id))
    else:
        rec = reconcile_counts(a.count, b.count)
    extra = {"a": ind.a, "b": ind.b, "count_a": rec.count_a, "count_b": rec.count_b,
             "only_a": rec.only_a, "only_b": rec.only_b}
    return Measured(Figures(float(rec.value), None, None), extra=extra)


def explain(ctx: EvalContext, ind: IndicatorConfig) -> list[dict[str, Any]]:
    m = measure(ctx, ind)
    if not m.extra:
        return []
    rows: list[dict[str, Any]] = [{"summary": f"{m.extra['a']}: {m.extra['count_a']}, "
                                   f"{m.extra['b']}: {m.extra['count_b']}"}]
    rows += [{"device": n, "verdict": f"only in {m.extra['a']}"} for n in m.extra["only_a"]]
    rows += [{"device": n, "verdict": f"only in {m.extra['b']}"} for n in m.extra["only_b"]]
    return rows
