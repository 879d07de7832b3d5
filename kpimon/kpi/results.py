"""Saved results and adopted periods (docs/indicators.md "History and care").

Each compute saves the latest figures of each indicator per period (with the hash of the
configuration that produced them). `period close P` freezes P's figures as adopted: later data
and recomputes never change them; `kpis` for P returns them, with the figures computed now
beside them in `current`. At start-up the daemon serves the latest saved figures
(`load_latest`) until it has computed anew.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from kpimon.config import DURATION_UNITS, Config, IndicatorConfig
from kpimon.kpi.engine import Evaluation, GoalOutcome, IndicatorOutcome, KeyOutcome, KpiEngine
from kpimon.kpi.goals import goal_status
from kpimon.kpi.indicators.base import Figures
from kpimon.kpi.output import indicator_json
from kpimon.kpi.targets import baseline_of
from kpimon.periods import Period
from kpimon.store import Store
from kpimon.store import settled as stored_months
from kpimon.store import tables as t
from kpimon.timeutil import epoch


class PeriodStateError(Exception):
    """`period close` on a closed period, or `period reopen` on one that is not closed."""


class PeriodAlreadyClosed(PeriodStateError):
    """`period close` on a period that is already adopted."""


@dataclass(frozen=True)
class LogEntry:
    """One line of the period log: who closed or reopened which period, when, and why."""

    period: str
    action: str  # close | reopen
    at: int
    author: str
    reason: str | None


def _rows(ev: Evaluation, config: Config, now: int, adopted: bool) -> list[dict[str, object]]:
    return [{
        "indicator": o.ind.id, "period": ev.period.label, "period_start": ev.period.start_s,
        "period_end": ev.period.end_s, "evaluated_at": epoch(ev.at),
        "value": o.figures.value, "numerator": o.figures.numerator,
        "denominator": o.figures.denominator, "unknown": o.figures.unknown,
        "target": o.ind.target.text if o.ind.target else None, "status": o.status,
        "baseline": baseline(o),
        "payload": json.dumps(indicator_json(o), ensure_ascii=False),
        "config_hash": config.digest, "computed_at": now, "adopted": adopted,
    } for o in ev.indicators]


def baseline(o: IndicatorOutcome) -> float | None:
    """What a `rise`/`fall` target compares with (its own number, or the previous period's
    value), in the indicator's unit; None for other targets or when there is none yet."""
    target = o.ind.target
    if target is None or not target.relative:
        return None
    return baseline_of(target, o.baseline)


def _rescaler(stored_unit: str | None, unit: str) -> Callable[[float | None], float | None]:
    """Converts a stored duration from the unit it was saved in to the indicator's unit now
    (a changed display `unit` must not turn 21 hours into 21 minutes)."""
    old = DURATION_UNITS.get(stored_unit or "")
    new = DURATION_UNITS.get(unit)
    if old is None or new is None or old == new:
        return lambda v: v
    return lambda v: None if v is None else v * old / new


def stored_outcome(ind: IndicatorConfig, row: Any,
                   current: IndicatorOutcome | None = None) -> IndicatorOutcome:
    """An outcome rebuilt from a stored result row (figures, status, last year, baseline,
    breakdown and forecast), in the indicator's unit now."""
    payload = json.loads(row.payload)
    scale = _rescaler(payload.get("unit"), ind.unit)
    out = IndicatorOutcome(
        ind=ind, figures=Figures(scale(row.value), scale(row.numerator), row.denominator,
                                 row.unknown),
        status=row.status, previous=scale(payload.get("previous")), current=current)
    if ind.target is not None and ind.target.relative and ind.target.number is None:
        out.baseline = scale(row.baseline)
    for dim, keys in (payload.get("breakdown") or {}).items():
        out.breakdown[dim] = {
            k: KeyOutcome(Figures(scale(v["value"]), scale(v["numerator"]), v["denominator"]),
                          v["status"]) for k, v in keys.items()}
    return out


def _goals(config: Config, outcomes: list[IndicatorOutcome]) -> list[GoalOutcome]:
    statuses = {o.ind.id: o.status for o in outcomes}
    return [GoalOutcome(g.id, g.name, goal_status([statuses[i] for i in g.indicators
                                                   if i in statuses]), g.indicators)
            for g in config.goals]


def load_latest(store: Store, config: Config,
                running: Callable[[datetime], Mapping[str, Period]]) -> dict[str, Evaluation]:
    """The running periods as the last compute saved them (the daemon's snapshot before a
    restart), keyed like `running`'s answer ("month", "year"); empty when nothing is stored.

    The periods are those running when the latest figures were saved, so figures saved before
    a month ended are served as that month's, and `kpimon_period_info` says so.
    """
    r = t.indicator_results.c
    with store.engine.connect() as conn:
        last = conn.execute(select(func.max(r.computed_at))
                            .where(r.adopted.is_(False))).scalar()
        if last is None:
            return {}
        periods = running(datetime.fromtimestamp(last, UTC))
        rows = conn.execute(select(t.indicator_results).where(
            r.adopted.is_(False), r.period.in_([p.label for p in periods.values()]))).all()
    out: dict[str, Evaluation] = {}
    for name, period in periods.items():
        mine = {row.indicator: row for row in rows if row.period == period.label}
        if not mine:
            continue
        outcomes = [stored_outcome(ind, mine[ind.id]) for ind in config.indicators
                    if ind.id in mine]
        for o in outcomes:  # the running month's JSON carries it
            o.extra["forecast"] = json.loads(mine[o.ind.id].payload).get("forecast")
        at = datetime.fromtimestamp(max(row.evaluated_at for row in mine.values()), UTC)
        out[name] = Evaluation(period, at, outcomes, _goals(config, outcomes))
    return out


def save_results(store: Store, config: Config, ev: Evaluation) -> None:
    """Replace the latest (not adopted) figures of the evaluated period (under the store's
    writer lock: two processes replacing the same figures at once would both insert)."""
    now = epoch(datetime.now(UTC))
    r = t.indicator_results.c
    with store.writer.hold(), store.engine.begin() as conn:
        conn.execute(delete(t.indicator_results).where(
            r.period == ev.period.label, r.adopted.is_(False)))
        rows = _rows(ev, config, now, False)
        if rows:  # a configuration without indicators has nothing to keep
            conn.execute(insert(t.indicator_results), rows)


def is_closed(conn: Connection, period: Period) -> bool:
    return conn.execute(select(t.closed_periods.c.period).where(
        t.closed_periods.c.period == period.label)).first() is not None


def close_period(store: Store, engine: KpiEngine, config: Config, period: Period,
                 at: datetime, author: str, reason: str | None = None) -> Evaluation:
    """Adopt the period's figures as of `at`; refuses a period that is already closed. The
    close goes into the period log with its author and reason."""
    ev = engine.evaluate(period, at)
    now = epoch(datetime.now(UTC))
    with store.engine.begin() as conn:
        if is_closed(conn, period):
            raise PeriodAlreadyClosed(f"{period.label} is already closed")
        rows = _rows(ev, config, now, True)
        if rows:
            conn.execute(insert(t.indicator_results), rows)
        conn.execute(insert(t.closed_periods).values(
            period=period.label, closed_at=now, author=author,
            payload=json.dumps([{"id": g.id, "status": g.status} for g in ev.goals])))
        conn.execute(insert(t.period_log).values(period=period.label, action="close", at=now,
                                                 author=author[:64], reason=reason))
    save_results(store, config, ev)
    return ev


def reopen_period(store: Store, period: Period, at: datetime, author: str,
                  reason: str) -> None:
    """Undo a close: the adopted figures are dropped (the period follows the data again) and
    the reopening, with its reason, goes into the period log."""
    r = t.indicator_results.c
    with store.engine.begin() as conn:
        if not is_closed(conn, period):
            raise PeriodStateError(f"{period.label} is not closed")
        conn.execute(delete(t.closed_periods).where(t.closed_periods.c.period == period.label))
        conn.execute(delete(t.indicator_results).where(r.period == period.label,
                                                       r.adopted.is_(True)))
        conn.execute(insert(t.period_log).values(period=period.label, action="reopen",
                                                 at=epoch(at), author=author[:64],
                                                 reason=reason))
        # Its months are read afresh (a reopening is usually followed by corrections).
        stored_months.forget_between(conn, period.start_s, period.end_s)


def period_log(store: Store, period: str | None = None) -> list[LogEntry]:
    """The period log, oldest first (of one period, or of all)."""
    pl = t.period_log.c
    query = select(pl.period, pl.action, pl.at, pl.author, pl.reason).order_by(pl.at, pl.id)
    if period is not None:
        query = query.where(pl.period == period)
    with store.engine.connect() as conn:
        return [LogEntry(x.period, x.action, x.at, x.author, x.reason)
                for x in conn.execute(query)]


def evaluate(store: Store, engine: KpiEngine, config: Config, period: Period,
             at: datetime) -> Evaluation:
    """The period as the board sees it: adopted figures for a closed period (with the figures
    computed now as `current`), else the figures computed now."""
    return as_adopted(store, engine.evaluate(period, at))


def as_adopted(store: Store, current: Evaluation) -> Evaluation:
    """An evaluation as the board sees it: itself, or for a closed period the adopted figures
    with it as `current` (the status page and `/api/kpis` mark such a period adopted)."""
    period = current.period
    r = t.indicator_results.c
    with store.engine.connect() as conn:
        if not is_closed(conn, period):
            return current
        adopted = {row.indicator: row for row in conn.execute(
            select(t.indicator_results).where(r.period == period.label, r.adopted.is_(True)))}
    # An indicator added after the period was closed has no adopted figures: computed now.
    outcomes = [stored_outcome(o.ind, adopted[o.ind.id], current=o) if o.ind.id in adopted
                else o for o in current.indicators]
    statuses = {o.ind.id: o.status for o in outcomes}
    goals = [GoalOutcome(g.id, g.name, goal_status([statuses[i] for i in g.indicators
                                                    if i in statuses]), g.indicators)
             for g in current.goals]
    return Evaluation(period, current.at, outcomes, goals, adopted=True)
