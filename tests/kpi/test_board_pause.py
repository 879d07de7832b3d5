"""`pause = ["waiting"]` (DESIGN §6): the clock stops while the ticket's status history is in a
pause status, for stopped clocks, running clocks and handling times.

Status history from the source (2020-03-02 is a Monday):
* P1 created Mon 08:00; in progress 09:00; waiting 10:00 until Tue 10:00; resolved Tue 12:00.
  24x7: 28 h elapsed, 24 h of it waiting: 4 h on the paused clock. Office (08-17): Mon 9 h +
  Tue 4 h = 13 h, of which Mon 10-17 and Tue 08-10 (9 h) waiting: 4 h.
* P2 created Wed 03-04 08:00, waiting from 09:00 and still waiting at `at` = Fri 03-06 08:00:
  48 h on the plain clock (missed 1d), 1 h on the paused one (pending).
* P3 created Thu 03-05 08:00, in progress 08:30, resolved 20:00: 12 h (office 9 h), no waiting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, H, T

INDICATORS = """
[[indicators]]
id = "res_1d_pause"
kind = "resolution_within"
threshold = "1d"
pause = ["waiting"]

[[indicators]]
id = "res_1d"
kind = "resolution_within"
threshold = "1d"

[[indicators]]
id = "handling_pause_h"
kind = "handling_time"
unit = "hours"
pause = ["waiting"]

[[indicators]]
id = "handling_h"
kind = "handling_time"
unit = "hours"

[[indicators]]
id = "handling_office_pause_h"
kind = "handling_time"
unit = "hours"
calendar = "office"
pause = ["waiting"]
"""

ARGS = ("--period", "2020-03", "--at", "2020-03-06T08:00")


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("P1", "2020-03-02 08:00", response="2020-03-02 09:00", resolved="2020-03-03 12:00"),
        T("P2", "2020-03-04 08:00", status="waiting", response="2020-03-04 09:00",
          updated="2020-03-04 09:00"),
        T("P3", "2020-03-05 08:00", response="2020-03-05 08:30", resolved="2020-03-05 20:00"),
    ])
    b.history("h.csv", [
        ("P1", "2020-03-02 08:00", None, "new"),
        ("P1", "2020-03-02 09:00", "new", "in_progress"),
        ("P1", "2020-03-02 10:00", "in_progress", "waiting"),
        ("P1", "2020-03-03 10:00", "waiting", "in_progress"),
        ("P1", "2020-03-03 12:00", "in_progress", "resolved"),
        ("P2", "2020-03-04 08:00", None, "new"),
        ("P2", "2020-03-04 09:00", "new", "waiting"),
        ("P3", "2020-03-05 08:00", None, "new"),
        ("P3", "2020-03-05 08:30", "new", "in_progress"),
        ("P3", "2020-03-05 20:00", "in_progress", "resolved"),
    ])
    b.collect()
    return b


def test_the_clock_stops_while_waiting(board: Board) -> None:
    got = board.indicators(*ARGS)
    paused = got["res_1d_pause"]
    assert (paused["value"], paused["numerator"], paused["denominator"]) == (1.0, 2, 2)
    plain = got["res_1d"]
    assert (plain["numerator"], plain["denominator"]) == (1, 3)
    assert got["handling_pause_h"]["value"] == pytest.approx((4 + 12) / 2)
    assert got["handling_h"]["value"] == pytest.approx((28 + 12) / 2)
    assert got["handling_office_pause_h"]["value"] == pytest.approx((4 + 9) / 2)


def test_explain_agrees_with_the_paused_clock(board: Board) -> None:
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"])
            for r in board.explain("res_1d_pause", *ARGS)["tickets"]}
    assert rows == {"P1": ("met", 4 * H), "P2": ("pending", 1 * H), "P3": ("met", 12 * H)}
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"])
            for r in board.explain("res_1d", *ARGS)["tickets"]}
    assert rows == {"P1": ("missed", 28 * H), "P2": ("missed", 48 * H), "P3": ("met", 12 * H)}


def test_tickets_at_risk_follow_the_paused_clock(board: Board) -> None:
    """`kpimon_tickets_at_risk` (open tickets past 75 % of the threshold): at Thu 03-05 04:00
    P2 has run 20 h of 24 on the plain clock (at risk) but 1 h on the paused one (not)."""
    from kpimon.app import App
    from kpimon.config import load_config
    from kpimon.kpi.indicators.base import EvalContext
    from kpimon.kpi.indicators.tickets import at_risk
    from kpimon.periods import parse_period
    from kpimon.timeutil import parse_time

    config = load_config(board.cfg)
    app = App.build(config)
    try:
        at = parse_time("2020-03-05 04:00", config.tz)
        period = parse_period("2020-03", config.tz)
        with app.store.engine.connect() as conn:
            ctx = EvalContext(conn, config, period, int(at.timestamp()), app.calendars)
            assert at_risk(ctx, config.indicator("res_1d")) == 1
            assert at_risk(ctx, config.indicator("res_1d_pause")) == 0
    finally:
        app.store.close()
