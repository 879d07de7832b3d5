"""`kpimon record INDICATOR PERIOD VALUE [--note TEXT]` (DESIGN §7 `manual`, §9): the latest
entry wins, every entry is kept with its note and author; the board's four manual indicators
against their targets, and the goal they make up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from kpimon.store import tables as t
from tests.fixtures.board.kit import Board

INDICATORS = """
[[indicators]]
id = "hme"
name = "Hållbart medarbetarengagemang (HME)"
kind = "manual"
unit = "index"
target = "rise from 71.13"

[[indicators]]
id = "sick_leave"
name = "Sjukfrånvaro"
kind = "manual"
unit = "ratio"
target = "fall from 0.07"

[[indicators]]
id = "environment"
name = "Miljödiplomering (1 = ja)"
kind = "manual"
target = ">= 1"

[[indicators]]
id = "budget"
name = "Budgetavvikelse, tkr"
kind = "manual"
unit = "kSEK"
target = ">= 0"

[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""

GOALS = """
[[goals]]
id = "samverkan"
name = "Ökad samverkan över kommungränserna"
indicators = ["hme", "sick_leave", "environment", "budget"]
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, sources="", goals=GOALS)
    return b


def test_latest_entry_wins_and_both_are_kept(board: Board) -> None:
    out = board.ok("record", "hme", "2020", "71,13", "--note", "Enkät hösten 2020")
    assert out.strip() == "hme 2020 = 71.13 (Enkät hösten 2020)"
    board.ok("record", "hme", "2020", "55", "--note", "Rättad efter HR:s sammanställning")
    hme = board.indicators("--period", "2020")["hme"]
    assert (hme["value"], hme["numerator"], hme["denominator"]) == (55, None, None)
    assert (hme["unit"], hme["target"], hme["status"]) == ("index", "rise from 71.13",
                                                           "not_achieved")
    engine = create_engine(board.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(t.manual_values.c.indicator, t.manual_values.c.period,
                                       t.manual_values.c.value, t.manual_values.c.note,
                                       t.manual_values.c.author)
                                .order_by(t.manual_values.c.id)).all()
    finally:
        engine.dispose()
    assert [(r.indicator, r.period, r.value, r.note) for r in rows] == [
        ("hme", "2020", 71.13, "Enkät hösten 2020"),
        ("hme", "2020", 55.0, "Rättad efter HR:s sammanställning")]
    assert all(r.author for r in rows)


def test_the_boards_manual_indicators_and_their_goal(board: Board) -> None:
    board.ok("record", "hme", "2020", "55")
    board.ok("record", "sick_leave", "2020", "6,58 %")
    board.ok("record", "environment", "2020", "1")
    board.ok("record", "budget", "2020", "-823")
    got = board.kpis("--period", "2020")
    ind = {i["id"]: i for i in got["indicators"]}
    assert (ind["hme"]["value"], ind["hme"]["status"]) == (55, "not_achieved")
    assert ind["sick_leave"]["value"] == pytest.approx(0.0658)
    assert ind["sick_leave"]["status"] == "achieved"
    assert (ind["environment"]["value"], ind["environment"]["status"]) == (1, "achieved")
    assert (ind["budget"]["value"], ind["budget"]["status"]) == (-823, "not_achieved")
    # Two of four achieved: exactly half is not "more than half".
    assert got["goals"] == [{"id": "samverkan", "name": "Ökad samverkan över kommungränserna",
                             "status": "not_achieved",
                             "indicators": ["hme", "sick_leave", "environment", "budget"]}]


def test_a_value_belongs_to_its_period(board: Board) -> None:
    board.ok("record", "hme", "2019", "71.13")
    board.ok("record", "budget", "2020-q4", "−120")   # stored under the label 2020-Q4
    board.ok("record", "hme", "2020", "72")
    hme = board.indicators("--period", "2020")["hme"]
    assert (hme["value"], hme["previous"], hme["status"]) == (72, 71.13, "achieved")
    assert board.indicators("--period", "2020-Q4")["budget"]["value"] == -120
    assert board.indicators("--period", "2020-12")["budget"]["status"] == "no_value"
    assert board.indicators("--period", "2021")["hme"]["value"] is None


@pytest.mark.parametrize("args", [
    ("record", "nosuch", "2020", "1"),
    ("record", "resp_30m", "2020", "0.5"),     # not a manual indicator
    ("record", "hme", "2020-13", "1"),
    ("record", "hme", "2020", "many"),
    ("record", "hme", "2020", "1.234,5"),
])
def test_bad_records_are_usage_errors(board: Board, args: tuple[str, ...]) -> None:
    rc, out, err = board.run(*args)
    assert rc == 2 and out == "" and err.startswith("kpimon: ")


def test_explain_lists_every_entry(board: Board) -> None:
    board.ok("record", "hme", "2020", "71,13", "--note", "Enkät")
    board.ok("record", "hme", "2020", "55", "--note", "Rättad")
    got = board.explain("hme", "--period", "2020")
    assert [(r["value"], r["verdict"], r["note"]) for r in got["tickets"]] == [
        (71.13, "superseded", "Enkät"), (55.0, "counted", "Rättad")]
    assert got["summary"] == {"superseded": 1, "counted": 1}
    assert all(r["entered_at"].startswith("20") and r["author"] for r in got["tickets"])
    table = board.ok("explain", "hme", "--period", "2020")
    assert any("counted" in line and "Rättad" in line for line in table.splitlines())
    # As of a moment before either entry was made, nothing had been recorded.
    before = board.explain("hme", "--period", "2020", "--at", "2021-01-15T12:00")
    assert [r["verdict"] for r in before["tickets"]] == ["after_at", "after_at"]
    assert board.indicators("--period", "2020", "--at", "2021-01-15T12:00")["hme"][
        "status"] == "no_value"


def test_a_breakdown_of_a_manual_value_lists_every_key(tmp_path: Path, db_url: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure('[[indicators]]\nid = "budget"\nkind = "manual"\ntarget = ">= 0"\n'
                'breakdown = ["org"]\n', sources="")
    b.ok("record", "budget", "2020", "12")
    budget = b.indicators("--period", "2020")["budget"]
    assert (budget["value"], budget["status"]) == (12, "achieved")
    assert {k: (v["value"], v["status"]) for k, v in budget["breakdown"]["org"].items()} == {
        org: (None, "no_value") for org in ("Askersund", "Hallsberg", "Laxå", "Lekeberg")}
