"""A ticket reopened after `at` counts as resolved before its reopening (DESIGN §7: where a ticket
has a status history, its resolved time as of `at` is that of its last change to resolved or
closed at or before `at`, provided it was still resolved or closed at `at`); once reopened it is
open again until resolved again (DESIGN §3), whatever the export still carries.

* X1 created 2020-08-03 08:00, resolved 08-04 10:00 (26 h), reopened 08-20 09:00 and still in
  progress; the export still carries the old resolved time.
* X2 created 2020-08-05 08:00, resolved 08-06 10:00 (26 h), reopened 08-20 09:00, resolved
  again 09-02 10:00 (28 d 2 h after created).
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
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("X1", "2020-08-03 08:00", status="in_progress", response="2020-08-03 08:10",
          resolved="2020-08-04 10:00", updated="2020-08-20 09:00"),
        T("X2", "2020-08-05 08:00", status="resolved", response="2020-08-05 08:10",
          resolved="2020-09-02 10:00"),
    ])
    b.history("h.csv", [
        ("X1", "2020-08-03 08:00", None, "new"),
        ("X1", "2020-08-03 08:10", "new", "in_progress"),
        ("X1", "2020-08-04 10:00", "in_progress", "resolved"),
        ("X1", "2020-08-20 09:00", "resolved", "in_progress"),
        ("X2", "2020-08-05 08:00", None, "new"),
        ("X2", "2020-08-05 08:10", "new", "in_progress"),
        ("X2", "2020-08-06 10:00", "in_progress", "resolved"),
        ("X2", "2020-08-20 09:00", "resolved", "in_progress"),
        ("X2", "2020-09-02 10:00", "in_progress", "resolved"),
    ])
    b.collect()
    return b


def test_before_the_reopening_both_were_resolved(board: Board) -> None:
    got = board.indicators("--period", "2020-08", "--at", "2020-08-10T00:00")
    assert (got["res_2d"]["numerator"], got["res_2d"]["denominator"]) == (2, 2)
    assert (got["first_line"]["numerator"], got["first_line"]["denominator"]) == (2, 2)
    assert got["handling_h"]["value"] == pytest.approx(26.0)
    assert got["open_7d"]["value"] == 0


def test_after_the_reopening_both_are_open_again(board: Board) -> None:
    got = board.indicators("--period", "2020-08", "--at", "2020-08-25T00:00")
    assert (got["res_2d"]["numerator"], got["res_2d"]["denominator"]) == (0, 2)
    assert (got["first_line"]["value"], got["first_line"]["denominator"]) == (None, 0)
    assert got["handling_h"]["value"] is None
    assert got["open_7d"]["value"] == 2


def test_the_latest_resolution_counts(board: Board) -> None:
    august = board.indicators("--period", "2020-08", "--at", "2020-09-10T00:00")
    assert (august["res_2d"]["numerator"], august["res_2d"]["denominator"]) == (0, 2)
    assert august["first_line"]["denominator"] == 0
    assert august["open_7d"]["value"] == 2  # both open at 2020-09-01 00:00
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in board.explain(
        "res_2d", "--period", "2020-08", "--at", "2020-09-10T00:00")["tickets"]}
    assert rows == {"X1": ("missed", 37 * D + 16 * H), "X2": ("missed", 28 * D + 2 * H)}
    september = board.indicators("--period", "2020-09", "--at", "2020-09-10T00:00")
    assert september["handling_h"]["value"] == pytest.approx(28 * 24 + 2)
    assert (september["first_line"]["numerator"], september["first_line"]["denominator"]) == (
        1, 1)
