"""Tickets at risk are counted in one query over the creation times the thresholds allow (the
calendar's inverse position bounds them): the counts and the listed tickets equal a count by
hand over every ticket, on the plain and the office clock, on weekdays and over a weekend."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi.indicators.base import EvalContext
from kpimon.kpi.indicators.tickets import at_risk_counts, at_risk_tickets
from kpimon.periods import date_range
from kpimon.timeutil import parse_time
from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"

[[indicators]]
id = "resp_8h_office"
kind = "response_within"
threshold = "8h"
calendar = "office"

[[indicators]]
id = "orders_2d"
kind = "resolution_within"
threshold = "2d"
calendar = "office"
filter = { kind = "order" }
"""



def _tickets() -> list[tuple[T, int]]:
    out = []
    for n in range(5 * 72):
        minutes = 20 * n
        day, rest = divmod(minutes, 1440)
        created = f"2020-03-{5 + day:02d} {rest // 60:02d}:{rest % 60:02d}"
        resp = ""
        if n % 3 == 0:
            r = minutes + 10
            rday, rrest = divmod(r, 1440)
            resp = f"2020-03-{5 + rday:02d} {rrest // 60:02d}:{rrest % 60:02d}"
        kind = "order" if n % 3 == 1 else "incident"
        out.append((T(f"R{n}", created, status="in_progress", response=resp, line="",
                      solution="", kind=kind), n))
    return out


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("1.csv", [t for t, _ in _tickets()])
    b.collect()
    return b


@pytest.mark.parametrize("when", ["2020-03-05 15:15", "2020-03-06 16:45", "2020-03-07 12:00",
                                  "2020-03-09 09:10", "2020-03-10 07:55"])
def test_counts_equal_a_count_over_every_ticket(board: Board, when: str) -> None:
    config = load_config(board.cfg)
    app = App.build(config)
    try:
        app.facts.update()
        at = parse_time(when, config.tz)
        at_s = int(at.timestamp())
        local = at.astimezone(config.tz).date()
        window = date_range(local - timedelta(days=366), local, config.tz)
        inds = [config.indicator(i) for i in ("resp_30m", "resp_8h_office", "orders_2d")]
        expected: dict[str, set[str]] = {i.id: set() for i in inds}
        for t, _ in _tickets():
            created = int(parse_time(t.created, config.tz).timestamp())
            if created > at_s:
                continue
            for ind in inds:
                if ind.filter and t.kind not in ind.filter["kind"]:
                    continue
                stop = int(parse_time(t.response, config.tz).timestamp()) \
                    if t.response and ind.kind == "response_within" else None
                if stop is not None and stop <= at_s:
                    continue
                cal = app.calendars[ind.calendar]
                running = cal.position(at_s) - cal.position(created)
                threshold = ind.threshold or 0
                if running * 4 > threshold * 3 and running <= threshold:
                    expected[ind.id].add(t.id)
        with app.store.engine.connect() as conn:
            ctx = EvalContext(conn, config, window, at_s, app.calendars)
            counts = at_risk_counts(ctx, inds)
            listed = {i.id: {r["ticket"] for r in at_risk_tickets(ctx, i)} for i in inds}
        assert counts == {k: len(v) for k, v in expected.items()}
        assert listed == expected
        assert sum(counts.values()) > 0  # the case shows something
    finally:
        app.store.close()
