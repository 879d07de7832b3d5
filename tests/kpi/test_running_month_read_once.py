"""The running month is read once per compute for the month and the year: the month's own
figures and the rest of the year after its settled months are the same span as of the same
moment, evaluated side by side, so the second evaluation takes the first's sums. The figures
still equal a full recompute of each period."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi import engine
from kpimon.kpi.engine import measure_all
from kpimon.kpi.indicators.base import EvalContext
from kpimon.periods import Period, containing
from tests.fixtures.board.kit import STOCKHOLM, Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
breakdown = ["org"]

[[indicators]]
id = "orders_2d"
kind = "resolution_within"
threshold = "2d"
calendar = "office"

[[indicators]]
id = "first_line"
kind = "first_line_share"
breakdown = ["org"]

[[indicators]]
id = "handling_h"
kind = "handling_time"
calendar = "office"
unit = "hours"
"""

# Mid-month, so that every earlier month of the year is settled and the rest of the year is
# the running month.
AT = datetime(2026, 3, 18, 9, 30, tzinfo=UTC)
ORGS = ("Askersund", "Hallsberg", "Laxå")


def _fmt(d: datetime) -> str:
    return d.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _tickets() -> list[T]:
    out = []
    for i in range(120):
        created = AT - timedelta(hours=5 + i * 23)
        open_ = i % 9 == 0
        resolved = created + timedelta(hours=(i * 13) % 70 + 1)
        out.append(T(f"S{i}", _fmt(created), status="in_progress" if open_ else "closed",
                     response=_fmt(created + timedelta(minutes=(i * 37) % 90)),
                     resolved="" if open_ else _fmt(resolved),
                     closed="" if open_ else _fmt(resolved + timedelta(days=1)),
                     line=("1", "2", "")[i % 3], org=ORGS[i % 3],
                     updated=_fmt(AT - timedelta(hours=1))))
    return out


def _full(app: App, period: Period, at: datetime) -> dict[str, Any]:
    with app.store.engine.connect() as conn:
        ctx = EvalContext(conn, app.config, period, int(at.timestamp()), app.calendars)
        got = measure_all(ctx, list(app.config.indicators))
    return {k: (m.total, m.breakdown) for k, m in got.items()}


@pytest.mark.timeout(120)
def test_month_and_year_read_the_running_month_once(tmp_path: Path, db_url: str,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    board = Board(tmp_path, db_url, capsys)
    board.configure(INDICATORS)
    board.export("1.csv", _tickets())
    board.collect()
    reads: Counter[tuple[str, int]] = Counter()

    def counted(fn: Any) -> Any:
        @functools.wraps(fn)  # the same name: the shared reads are keyed by it
        def wrapper(ctx: EvalContext, inds: list[Any]) -> Any:
            reads[(fn.__name__, ctx.start)] += 1
            return fn(ctx, inds)
        return wrapper

    for group, (sums_fn, figures_fn) in list(engine.SUMS.items()):
        monkeypatch.setitem(engine.SUMS, group, (counted(sums_fn), figures_fn))
    app = App.build(load_config(board.cfg))
    try:
        month = containing("month", AT, app.config.tz)
        year = containing("year", AT, app.config.tz)
        # The first compute reads the settled months; the second, a minute later, has them.
        for at in (AT, AT + timedelta(minutes=1)):
            reads.clear()
            evaluations = app.compute(at, save=False)
            assert reads[("created_sums", month.start_s)] == 1
            assert reads[("resolved_sums", month.start_s)] == 1
            for name, period in (("month", month), ("year", year)):
                ev = evaluations[name]
                assert {o.ind.id: (o.figures, {d: {k: v.figures for k, v in keys.items()}
                                               for d, keys in o.breakdown.items()})
                        for o in ev.indicators} == _full(app, period, at), name
    finally:
        app.store.close()
