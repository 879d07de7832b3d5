"""An export `resolved` from before the ticket's last reopening is stale (DESIGN §3, §7): it
lies before the reopening, so it never moves the start of the run that follows.

* C1 created Mon 2020-08-03 08:00, resolved Tue 08-04 10:00 (26 h), reopened Thu 08-20 09:00,
  resolved again Wed 09-02 10:00 (722 h after created). The export (taken 09-02 10:00,
  status resolved) still carries the first Löst, 08-04 10:00.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "handling_h"
kind = "handling_time"
unit = "hours"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("C1", "2020-08-03 08:00", status="resolved",
                         response="2020-08-03 08:10", resolved="2020-08-04 10:00",
                         updated="2020-09-02 10:00")])
    b.history("h.csv", [
        ("C1", "2020-08-03 08:00", None, "new"),
        ("C1", "2020-08-03 08:10", "new", "in_progress"),
        ("C1", "2020-08-04 10:00", "in_progress", "resolved"),
        ("C1", "2020-08-20 09:00", "resolved", "in_progress"),
        ("C1", "2020-09-02 10:00", "in_progress", "resolved"),
    ])
    b.collect()
    return b


def test_a_stale_resolved_time_is_ignored_for_the_runs_start(board: Board) -> None:
    september = board.indicators("--period", "2020-09", "--at", "2020-10-01T00:00")
    assert (september["handling_h"]["value"], september["handling_h"]["denominator"]) == (
        pytest.approx(30 * 24 + 2), 1)
    # Not resolved in August any more: the reopening ended that resolution.
    august = board.indicators("--period", "2020-08", "--at", "2020-10-01T00:00")
    assert august["handling_h"]["denominator"] == 0
