"""A year's and a month's sum-based figures from settled months' stored sums equal a full
recompute over the whole period — right after they were stored, and after a ticket of a settled
month changed (its months are forgotten by the facts pass), a ticket arrived in one, or a
period was reopened. Speed never changes a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi.engine import measure_all
from kpimon.kpi.indicators.base import EvalContext
from kpimon.periods import Period, containing
from kpimon.store import tables as t
from tests.fixtures.board.kit import STOCKHOLM, Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
breakdown = ["org"]

[[indicators]]
id = "resp_8h_office"
kind = "response_within"
threshold = "8h"
calendar = "office"
filter = { priority = ["normal", "low"] }

[[indicators]]
id = "orders_2d"
kind = "resolution_within"
threshold = "2d"
calendar = "office"
filter = { kind = "order" }

[[indicators]]
id = "first_line"
kind = "first_line_share"
breakdown = ["org"]

[[indicators]]
id = "handling_h"
kind = "handling_time"
calendar = "office"
unit = "hours"

[[indicators]]
id = "handling_median"
kind = "handling_time"
aggregate = "median"
breakdown = ["org"]

[[indicators]]
id = "missing_solution"
kind = "missing_solution"

[[indicators]]
id = "status_flow"
kind = "status_flow"
"""

ORGS = ("Askersund", "Hallsberg", "Laxå", "Lekeberg", "Örebro")
KINDS = ("incident", "incident", "request", "order")
PRIORITIES = ("acute", "high", "normal", "low")


def _fmt(d: datetime) -> str:
    return d.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _tickets(now: datetime, line_of: dict[str, str] | None = None) -> list[T]:
    """About 15 months of tickets before `now`, every few hours a new one."""
    out = []
    for i in range(260):
        created = now - timedelta(hours=7 + i * 43)
        open_ = i % 11 == 0
        response = created + timedelta(minutes=(i * 37) % 700)
        resolved = created + timedelta(hours=(i * 13) % 90 + 1)
        tid = f"S{i}"
        out.append(T(tid, _fmt(created), status="in_progress" if open_ else "closed",
                     response="" if i % 7 == 0 else _fmt(response),
                     resolved="" if open_ else _fmt(resolved),
                     closed="" if open_ else _fmt(resolved + timedelta(days=2)),
                     line=(line_of or {}).get(tid, ("1", "2", "")[i % 3]),
                     solution="" if i % 5 == 0 else "Klart", org=ORGS[i % 5],
                     kind=KINDS[i % 4], priority=PRIORITIES[i % 4],
                     updated=_fmt(now - timedelta(hours=1))))
    return out


def _full(app: App, period: Period, at: datetime) -> dict[str, Any]:
    """Every indicator over the whole period, read at once (no stored month sums)."""
    with app.store.engine.connect() as conn:
        ctx = EvalContext(conn, app.config, period, int(at.timestamp()), app.calendars)
        got = measure_all(ctx, list(app.config.indicators))
    return {k: (m.total, m.breakdown) for k, m in got.items()}


def _engine(app: App, period: Period, at: datetime) -> dict[str, Any]:
    ev = app.engine.evaluate(period, at)
    return {o.ind.id: (o.figures, {d: {k: v.figures for k, v in keys.items()}
                                   for d, keys in o.breakdown.items()})
            for o in ev.indicators}


def _stored_months(app: App) -> int:
    with app.store.engine.connect() as conn:
        return int(conn.execute(select(func.count(t.settled_sums.c.month_start.distinct())))
                   .scalar_one())


@pytest.mark.timeout(120)
def test_stored_month_sums_equal_a_full_recompute(tmp_path: Path, db_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    board = Board(tmp_path, db_url, capsys)
    board.configure(INDICATORS)
    board.export("1.csv", _tickets(now))
    board.collect()
    app = App.build(load_config(board.cfg))
    try:
        year = containing("year", now, app.config.tz)
        periods = [year, year.year_earlier(), containing("month", now, app.config.tz).previous()]

        def check(at: datetime) -> None:
            for p in periods:
                assert _engine(app, p, at) == _full(app, p, at), p.label

        app.facts.update()
        check(now)
        assert _stored_months(app) >= 12  # last year's months at least were stored
        check(now + timedelta(minutes=1))  # now served from what was stored

        # Tickets of settled months change: one moves to another line (only the facts pass
        # can tell: its months are forgotten), one's resolution moves a month on, and a new
        # one arrives in a settled month (a late import). The figures follow.
        tickets = _tickets(now)
        flipped, moving = tickets[60], tickets[90]
        later = datetime.fromisoformat(moving.resolved).replace(tzinfo=STOCKHOLM) \
            + timedelta(days=33)
        late = now - timedelta(days=200)
        board.export("2.csv", [
            T(**{**flipped.__dict__, "line": "1" if flipped.line != "1" else "2",
                 "updated": _fmt(now)}),
            T(**{**moving.__dict__, "resolved": _fmt(later), "closed": _fmt(later),
                 "updated": _fmt(now)}),
            T("LATE", _fmt(late), response=_fmt(late + timedelta(hours=3)),
              resolved=_fmt(late + timedelta(hours=5)), line="2", updated=_fmt(now))])
        board.collect()
        app.facts.update()
        check(now + timedelta(minutes=2))
        check(now + timedelta(minutes=3))
    finally:
        app.store.close()
