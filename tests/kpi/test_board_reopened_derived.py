"""A reopened ticket from a source without a status history (DESIGN §5, §7): the history kpimon
derives from consecutive exports is a status history too, so a ticket reopened after `at`
still counts as resolved before its reopening, and the resolved time is the one the export
carried (more precise than the export's `updated` stamp on the derived change).

Exports of a source without `status_changes`, collected one after the other:
* Y1 created 08-03 08:00; export 1 (updated 08-04 10:30): resolved, Löst 08-04 10:00 (26 h);
  export 2 (updated 08-20 09:00): in progress again, still carrying Löst 08-04 10:00.
* Y2 created 08-05 08:00; export 1: in progress; export 2: resolved, Löst 08-06 10:00 (26 h);
  export 3 (08-21 09:00): in progress again; export 4: resolved again, Löst 09-02 10:00.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, D, H, T

INDICATORS = """
[[indicators]]
id = "res_2d"
kind = "resolution_within"
threshold = "2d"

[[indicators]]
id = "first_line"
kind = "first_line_share"

[[indicators]]
id = "handling_h"
kind = "handling_time"
unit = "hours"

[[indicators]]
id = "open_7d"
kind = "open_older_than"
threshold = "7d"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, history=False)
    y1 = {"created": "2020-08-03 08:00", "resolved": "2020-08-04 10:00"}
    b.export("1.csv", [
        T("Y1", status="resolved", updated="2020-08-04 10:30", **y1),
        T("Y2", "2020-08-05 08:00", status="in_progress", updated="2020-08-05 08:30"),
    ])
    b.collect()
    b.export("2.csv", [
        T("Y1", status="in_progress", updated="2020-08-20 09:00", **y1),
        T("Y2", "2020-08-05 08:00", status="resolved", resolved="2020-08-06 10:00",
          updated="2020-08-06 10:00"),
    ])
    b.collect()
    b.export("3.csv", [T("Y2", "2020-08-05 08:00", status="in_progress",
                         resolved="2020-08-06 10:00", updated="2020-08-21 09:00")])
    b.collect()
    b.export("4.csv", [T("Y2", "2020-08-05 08:00", status="resolved",
                         resolved="2020-09-02 10:00", updated="2020-09-02 10:00")])
    b.collect()
    return b


def test_resolved_before_the_reopening(board: Board) -> None:
    got = board.indicators("--period", "2020-08", "--at", "2020-08-10T00:00")
    assert (got["res_2d"]["numerator"], got["res_2d"]["denominator"]) == (2, 2)
    assert (got["first_line"]["numerator"], got["first_line"]["denominator"]) == (2, 2)
    assert got["handling_h"]["value"] == pytest.approx(26.0)   # the exports' resolved times
    assert got["open_7d"]["value"] == 0


def test_open_after_the_reopening(board: Board) -> None:
    got = board.indicators("--period", "2020-08", "--at", "2020-08-25T00:00")
    assert (got["res_2d"]["numerator"], got["res_2d"]["denominator"]) == (0, 2)
    assert got["first_line"]["denominator"] == 0
    assert got["open_7d"]["value"] == 2


def test_resolved_again(board: Board) -> None:
    got = board.indicators("--period", "2020-09", "--at", "2020-09-10T00:00")
    assert got["handling_h"]["value"] == pytest.approx(28 * 24 + 2)
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in board.explain(
        "res_2d", "--period", "2020-08", "--at", "2020-09-10T00:00")["tickets"]}
    assert rows == {"Y1": ("missed", 37 * D + 16 * H), "Y2": ("missed", 28 * D + 2 * H)}
