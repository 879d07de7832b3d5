"""Targets, statuses, goals and `previous` through the engine and the command line (DESIGN §7,
§9): bare `rise`/`fall` against the previous period in the store, per breakdown key too; the
precedence no_target → no_value → comparison per key; `previous` = the same period a year
earlier, in the JSON and the table.

Response within 30 min per org (each ticket resolved after its response):
* 2019-11: Askersund 1 met, 1 missed (0.5).           * 2020-09: nothing.
* 2020-10: Askersund 1/2, Hallsberg 1/1: 2/3. Handling 2 h, 4 h, 1 h: mean 7/3 h.
* 2020-11: Askersund 2/2, Hallsberg 1/2, Laxå 1/1, Lekeberg none: 4/5 = 0.8. Handling 1, 2, 1,
  3 and 0.5 h: mean 1.5 h.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_rise"
kind = "response_within"
threshold = "30m"
target = "rise"
breakdown = ["org"]

[[indicators]]
id = "resp_from"
kind = "response_within"
threshold = "30m"
target = "rise from 0.5"
partial = ">= 0.4"
breakdown = ["org"]

[[indicators]]
id = "resp_abs"
kind = "response_within"
threshold = "30m"
target = ">= 0.9"
breakdown = ["org"]

[[indicators]]
id = "resp_info"
kind = "response_within"
threshold = "30m"
breakdown = ["org"]

[[indicators]]
id = "handling_fall"
kind = "handling_time"
unit = "hours"
target = "fall"
"""

GOALS = """
[[goals]]
id = "service"
name = "Ge god service och IT-drift av hög kvalitet"
indicators = ["resp_rise", "handling_fall", "resp_abs"]

[[goals]]
id = "info"
indicators = ["resp_info"]
"""

AT = "2021-03-01T00:00"


def _t(tid: str, day: str, org: str, response_min: int, resolved: str) -> T:
    return T(tid, f"{day} 08:00", org=org, response=f"{day} 08:{response_min:02d}"
             if response_min < 60 else f"{day} 09:00", resolved=f"{day} {resolved}")


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, goals=GOALS)
    b.export("e.csv", [
        _t("Z1", "2019-11-04", "Askersund", 10, "09:00"),
        _t("Z2", "2019-11-05", "Askersund", 60, "10:00"),
        _t("A1", "2020-10-05", "Askersund", 10, "10:00"),
        _t("A2", "2020-10-06", "Askersund", 60, "12:00"),
        _t("H1", "2020-10-07", "Hallsberg", 5, "09:00"),
        _t("A3", "2020-11-02", "Askersund", 10, "09:00"),
        _t("A4", "2020-11-03", "Askersund", 20, "10:00"),
        _t("H2", "2020-11-04", "Hallsberg", 10, "09:00"),
        _t("H3", "2020-11-05", "Hallsberg", 60, "11:00"),
        _t("L1", "2020-11-06", "Laxå", 10, "08:30"),
    ])
    b.collect()
    return b


def _keys(ind: dict) -> dict[str, tuple[float | None, str]]:  # type: ignore[type-arg]
    return {k: (v["value"], v["status"]) for k, v in ind["breakdown"]["org"].items()}


def test_rise_and_fall_against_the_previous_period(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", AT)
    assert (got["resp_rise"]["value"], got["resp_rise"]["status"]) == (0.8, "achieved")
    assert _keys(got["resp_rise"]) == {
        "Askersund": (1.0, "achieved"),        # 1.0 > 0.5
        "Hallsberg": (0.5, "not_achieved"),    # 0.5 < 1.0
        "Laxå": (1.0, "no_value"),             # no baseline in October
        "Lekeberg": (None, "no_value"),        # no population
    }
    assert got["handling_fall"]["value"] == pytest.approx(1.5)
    assert got["handling_fall"]["status"] == "achieved"   # 1.5 h < 7/3 h


def test_no_previous_period_in_the_store_is_no_value(board: Board) -> None:
    got = board.indicators("--period", "2020-10", "--at", AT)
    assert got["resp_rise"]["value"] == pytest.approx(2 / 3)
    assert got["resp_rise"]["status"] == "no_value"       # September has no tickets
    assert got["handling_fall"]["status"] == "no_value"
    assert {s for _, s in _keys(got["resp_rise"]).values()} == {"no_value"}


def test_fixed_baseline_partial_and_absolute_per_key(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", AT)
    assert got["resp_from"]["status"] == "achieved"
    assert _keys(got["resp_from"]) == {
        "Askersund": (1.0, "achieved"), "Hallsberg": (0.5, "partial"),  # equal to 0.5
        "Laxå": (1.0, "achieved"), "Lekeberg": (None, "no_value")}
    assert got["resp_abs"]["status"] == "not_achieved"
    assert _keys(got["resp_abs"]) == {
        "Askersund": (1.0, "achieved"), "Hallsberg": (0.5, "not_achieved"),
        "Laxå": (1.0, "achieved"), "Lekeberg": (None, "no_value")}
    october = board.indicators("--period", "2020-10", "--at", AT)
    # 1/2 in Askersund is equal to the fixed baseline 0.5: partial, by the rise-from rule.
    assert _keys(october["resp_from"])["Askersund"] == (0.5, "partial")


def test_no_target_comes_first_also_per_key(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", AT)
    assert got["resp_info"]["status"] == "no_target"
    assert {s for _, s in _keys(got["resp_info"]).values()} == {"no_target"}


def test_goals(board: Board) -> None:
    goals = {g["id"]: g for g in board.kpis("--period", "2020-11", "--at", AT)["goals"]}
    # achieved, achieved, not achieved: more than half
    assert goals["service"]["status"] == "partial"
    assert goals["service"]["name"] == "Ge god service och IT-drift av hög kvalitet"
    assert goals["service"]["indicators"] == ["resp_rise", "handling_fall", "resp_abs"]
    assert goals["info"]["status"] == "no_value"          # only a no_target indicator
    october = {g["id"]: g["status"]
               for g in board.kpis("--period", "2020-10", "--at", AT)["goals"]}
    assert october["service"] == "not_achieved"          # no value, no value, not achieved


def test_previous_is_the_same_period_a_year_earlier(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", AT)
    assert got["resp_rise"]["previous"] == 0.5
    assert got["handling_fall"]["previous"] == pytest.approx((1 + 2) / 2)
    assert board.indicators("--period", "2020-10", "--at", AT)["resp_rise"]["previous"] is None
    table = board.ok("kpis", "--period", "2020-11", "--at", AT)
    row = next(line for line in table.splitlines() if line.startswith("resp_rise "))
    # The value, last year's, and the baseline the rise is judged against, with its period.
    assert "80,0\u00a0%" in row and "50,0\u00a0%" in row and "● uppnådd" in row
    assert "höjning från 66,7\u00a0% (oktober)" in row
    october = board.ok("kpis", "--period", "2020-10", "--at", AT)
    row = next(line for line in october.splitlines() if line.startswith("resp_rise "))
    assert row.split()[1:4] == ["66,7", "%", "2/3"] and " – " in row
