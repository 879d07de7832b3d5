"""Saved results and adopted periods (DESIGN §7 "History and care").

Each compute saves the latest figures of each indicator per period (with the hash of the
configuration that produced them). `period close P` freezes P's figures as adopted: later data
and recomputes never change them; `kpis` for P returns them, with the figures computed now
beside them in `current`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from kpimon.config import Config
from kpimon.kpi.engine import Evaluation, IndicatorOutcome, KeyOutcome, KpiEngine
from kpimon.kpi.goals import goal_status
from kpimon.kpi.indicators.base import Figures
from kpimon.kpi.output import indicator_json
from kpimon.periods import Period
from kpimon.store import Store
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
        "payload": json.dumps(indicator_json(o), ensure_ascii=False),
        "config_hash": config.digest, "computed_at": now, "adopted": adopted,
    } for o in ev.indicators]


def save_results(store: Store, config: Config, ev: Evaluation) -> None:
    """Replace the latest (not adopted) figures of the evaluated period."""
    now = epoch(datetime.now(UTC))
    r = t.indicator_results.c
    with store.engine.begin() as conn:
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
    outcomes = []
    for o in current.indicators:
        row = adopted.get(o.ind.id)
        if row is None:  # an indicator added after the period was closed
            outcomes.append(o)
            continue
        payload = json.loads(row.payload)
        adopted_outcome = IndicatorOutcome(
            ind=o.ind, figures=Figures(row.value, row.numerator, row.denominator, row.unknown),
            status=row.status, previous=payload.get("previous"), current=o)
        for dim, keys in (payload.get("breakdown") or {}).items():
            adopted_outcome.breakdown[dim] = {
                k: KeyOutcome(Figures(v["value"], v["numerator"], v["denominator"]),
                              v["status"]) for k, v in keys.items()}
        outcomes.append(adopted_outcome)
    statuses = {o.ind.id: o.status for o in outcomes}
    goals = [type(g)(g.id, g.name, goal_status([statuses[i] for i in g.indicators
                                                if i in statuses]), g.indicators)
             for g in current.goals]
    return Evaluation(period, current.at, outcomes, goals, adopted=True)
