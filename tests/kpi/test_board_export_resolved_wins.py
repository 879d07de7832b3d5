"""The export's `resolved` wins over the history's time (DESIGN §3, §7; the golden G22): where
the source's own resolved time lies after the ticket's last change into an open status before
the run of resolved/closed statuses, it is the resolved time — once `at` has reached it.

* B1 created Tue 2020-11-10 08:00, in progress 08:10; the status file says resolved 09:58
  (1 h 58 min), closed Fri 11-13 10:00; the export's Löst says 10:00 (2 h), and 10:00 counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "handling_min"
kind = "handling_time"
unit = "minutes"

[[indicators]]
id = "res_2h"
kind = "resolution_within"
threshold = "2h"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("B1", "2020-11-10 08:00", status="closed", response="2020-11-10 08:10",
                         resolved="2020-11-10 10:00", closed="2020-11-13 10:00")])
    b.history("h.csv", [
        ("B1", "2020-11-10 08:00", None, "new"),
        ("B1", "2020-11-10 08:10", "new", "in_progress"),
        ("B1", "2020-11-10 09:58", "in_progress", "resolved"),
        ("B1", "2020-11-13 10:00", "resolved", "closed"),
    ])
    b.collect()
    return b


def test_the_exports_resolved_time_counts(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", "2021-01-01T00:00")
    assert got["handling_min"]["value"] == pytest.approx(120.0)
    rows = board.explain("res_2h", "--period", "2020-11", "--at", "2021-01-01T00:00")
    assert [(r["ticket"], r["verdict"], r["elapsed_seconds"]) for r in rows["tickets"]] == [
        ("B1", "met", 2 * 3600)]


def test_before_the_exports_time_the_history_tells(board: Board) -> None:
    # At 09:59 the history shows the resolution, but the export's 10:00 lies after `at`.
    got = board.indicators("--period", "2020-11", "--at", "2020-11-10T09:59")
    assert got["handling_min"]["value"] == pytest.approx(118.0)
    assert (got["res_2h"]["numerator"], got["res_2h"]["denominator"]) == (1, 1)
