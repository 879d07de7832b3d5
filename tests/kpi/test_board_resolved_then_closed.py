"""Closing never moves the resolution (DESIGN §3, §7): a ticket resolved on Monday and closed
(automatically) on Friday counts from Monday, before the close and after it alike — its
handling time and the resolution share do not change when it is closed.

* A1 created Mon 2020-03-02 08:00, in progress 08:10, resolved 12:00 (4 h), closed Fri
  03-06 12:00 (100 h after created). The status file holds every change; the export, taken
  after the close, carries Löst Mon 12:00 and Stängd Fri 12:00.
* A2 the same life, with no response recorded: its response clock stops at the resolution.
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

[[indicators]]
id = "res_1d"
kind = "resolution_within"
threshold = "1d"

[[indicators]]
id = "resp_8h"
kind = "response_within"
threshold = "8h"
"""

BEFORE_CLOSE = "2020-03-04T12:00"   # Wednesday: resolved, not closed yet
AFTER_CLOSE = "2020-04-15T00:00"


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T(ident, "2020-03-02 08:00", status="closed", response=response,
          resolved="2020-03-02 12:00", closed="2020-03-06 12:00")
        for ident, response in (("A1", "2020-03-02 08:10"), ("A2", ""))])
    b.history("h.csv", [change for ident in ("A1", "A2") for change in (
        (ident, "2020-03-02 08:00", None, "new"),
        (ident, "2020-03-02 08:10", "new", "in_progress"),
        (ident, "2020-03-02 12:00", "in_progress", "resolved"),
        (ident, "2020-03-06 12:00", "resolved", "closed"),
    )])
    b.collect()
    return b


def test_the_close_changes_neither_handling_time_nor_resolution_share(board: Board) -> None:
    for at in (BEFORE_CLOSE, AFTER_CLOSE):
        got = board.indicators("--period", "2020-03", "--at", at)
        assert got["handling_h"]["value"] == pytest.approx(4.0), at
        assert (got["handling_h"]["numerator"], got["handling_h"]["denominator"]) == (
            pytest.approx(8.0), 2), at
        assert (got["res_1d"]["numerator"], got["res_1d"]["denominator"]) == (2, 2), at
        rows = board.explain("res_1d", "--period", "2020-03", "--at", at)["tickets"]
        assert [(r["ticket"], r["verdict"], r["elapsed_seconds"]) for r in rows] == [
            ("A1", "met", 4 * 3600), ("A2", "met", 4 * 3600)], at
        rows = board.explain("resp_8h", "--period", "2020-03", "--at", at)["tickets"]
        assert [(r["ticket"], r["verdict"], r["elapsed_seconds"]) for r in rows] == [
            ("A1", "met", 10 * 60), ("A2", "met", 4 * 3600)], at
