"""`kpimon period close P` and `kpimon recompute --period P` (DESIGN §7 "History and care",
§9): the adopted figures never change; `kpis` for the period returns them with `"adopted":
true` and, per indicator, `current` with the figures computed now; closing twice is refused.

November 2020: N1 answered after 10 min, N2 after 45 min (Hallsberg): 1/2 within 30 min when
the period is closed. Then a late export brings N3 (answered after 5 min): 2/3 now.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
target = ">= 0.6"
breakdown = ["org"]

[[indicators]]
id = "handling_h"
kind = "handling_time"
unit = "hours"
target = "<= 2"
"""

GOALS = """
[[goals]]
id = "service"
indicators = ["resp_30m", "handling_h"]
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, goals=GOALS)
    b.export("1.csv", [
        T("N1", "2020-11-02 08:00", response="2020-11-02 08:10", resolved="2020-11-02 09:00"),
        T("N2", "2020-11-03 08:00", response="2020-11-03 08:45", resolved="2020-11-03 11:00",
          org="Hallsberg"),
    ])
    b.collect()
    return b


def test_close_then_late_data_and_recompute(board: Board, tmp_path: Path) -> None:
    out = board.ok("period", "close", "2020-11")
    assert out.strip() == "2020-11 closed: its results are adopted and will not change"
    closed = board.kpis("--period", "2020-11")
    assert closed["adopted"] is True
    resp = {i["id"]: i for i in closed["indicators"]}["resp_30m"]
    assert (resp["value"], resp["numerator"], resp["denominator"], resp["status"]) == (
        0.5, 1, 2, "not_achieved")
    assert resp["current"] == {"value": 0.5, "numerator": 1, "denominator": 2,
                               "status": "not_achieved"}

    board.export("2.csv", [
        T("N3", "2020-11-04 08:00", response="2020-11-04 08:05", resolved="2020-11-04 08:30"),
    ])
    board.collect()
    out = board.ok("recompute", "--period", "2020-11")
    assert "recomputed facts for 3 tickets" in out and "adopted figures kept" in out

    got = board.kpis("--period", "2020-11")
    assert got["adopted"] is True
    ind = {i["id"]: i for i in got["indicators"]}
    resp = ind["resp_30m"]
    assert (resp["value"], resp["numerator"], resp["denominator"], resp["status"]) == (
        0.5, 1, 2, "not_achieved")
    assert resp["current"] == {"value": pytest.approx(2 / 3), "numerator": 2, "denominator": 3,
                               "status": "achieved"}
    assert resp["breakdown"]["org"]["Askersund"]["denominator"] == 1   # adopted breakdown
    handling = ind["handling_h"]
    assert (handling["value"], handling["status"]) == (pytest.approx(2.0), "achieved")
    assert handling["current"]["value"] == pytest.approx((1 + 3 + 0.5) / 3)
    # The goal follows the adopted statuses: not achieved and achieved, exactly half.
    assert got["goals"][0]["status"] == "not_achieved"

    rc, out, err = board.run("period", "close", "2020-11")
    assert rc == 1 and "already closed" in err
    assert board.kpis("--period", "2020-11")["indicators"][0]["value"] == 0.5

    table = board.ok("kpis", "--period", "2020-11")
    assert table.splitlines()[0].endswith("(fastställd)")


def test_an_open_period_has_no_adopted_figures(board: Board) -> None:
    board.ok("period", "close", "2020-11")
    october = board.kpis("--period", "2020-10")
    assert "adopted" not in october
    assert all("current" not in i for i in october["indicators"])
    year = board.kpis("--period", "2020")   # closing a month does not close its year
    assert "adopted" not in year


def test_bad_period(board: Board) -> None:
    rc, _, err = board.run("period", "close", "November")
    assert rc == 2 and err.startswith("kpimon: ")
