"""`period close` refuses a period that has not ended (or closes it with `--force`, saying so);
`period reopen P --reason …` undoes a close with an entry in the period log; `period history`
shows who closed or reopened what, when and why."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kpimon.periods import containing
from tests.fixtures.board.kit import STOCKHOLM, Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
target = ">= 0.6"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("1.csv", [T("N1", "2020-11-02 08:00", response="2020-11-02 08:10"),
                       T("N2", "2020-11-03 08:00", response="2020-11-03 08:45")])
    b.collect()
    return b


def test_a_running_period_is_closed_only_with_force(board: Board) -> None:
    month = containing("month", datetime.now(STOCKHOLM), STOCKHOLM)
    rc, out, err = board.run("period", "close", month.label)
    assert rc == 1 and out == ""
    assert f"kpimon: {month.label} has not ended yet (it ends {month.end:%Y-%m-%d %H:%M})" in err
    assert "use --force to close it now anyway" in err
    assert board.kpis("--period", month.label).get("adopted") is None

    out = board.ok("period", "close", month.label, "--force", "--reason", "prov")
    assert out.strip() == (f"{month.label} closed: its results are adopted and will not change"
                           " (before its end: --force)")
    assert board.kpis("--period", month.label)["adopted"] is True
    [entry] = board.ok("period", "history", month.label).splitlines()
    label, action, _when, author, reason = entry.split("\t")
    assert (label, action, reason) == (month.label, "close",
                                       "closed before its end (--force): prov")
    assert author


def test_reopen_undoes_a_close_with_a_log_entry(board: Board) -> None:
    assert board.ok("period", "history").strip() == "no period has been closed yet"
    board.ok("period", "close", "2020-11", "--reason", "nämnden 2020-12-10")
    assert board.kpis("--period", "2020-11")["adopted"] is True

    rc, _out, err = board.run("period", "reopen", "2020-11")
    assert rc == 2 and "period reopen needs --reason TEXT" in err
    rc, _out, err = board.run("period", "reopen", "2020-10", "--reason", "x")
    assert rc == 1 and "2020-10 is not closed" in err

    out = board.ok("period", "reopen", "2020-11", "--reason", "N2 var felregistrerat")
    assert out.startswith("2020-11 reopened")
    assert "adopted" not in board.kpis("--period", "2020-11")

    # The data changes; closing again adopts the new figures.
    board.export("2.csv", [T("N2", "2020-11-03 08:00", response="2020-11-03 08:20",
                             updated="2020-11-04 09:00")])
    board.collect()
    board.ok("period", "close", "2020-11")
    resp = board.kpis("--period", "2020-11")["indicators"][0]
    assert (resp["numerator"], resp["denominator"]) == (2, 2)

    log = [line.split("\t") for line in board.ok("period", "history").splitlines()]
    assert [(e[0], e[1]) for e in log] == [("2020-11", "close"), ("2020-11", "reopen"),
                                         ("2020-11", "close")]
    assert log[0][4] == "nämnden 2020-12-10" and log[1][4] == "N2 var felregistrerat"
    assert len(log[2]) == 4  # no reason given
