"""Resolved, closed, reopened, resolved again (DESIGN §3, §7), from the source's status file: as
of a moment in each stretch the ticket is resolved at its first resolution (the close moves
nothing), then open, then resolved at its second resolution (the second close moves nothing).

* G1 created Mon 2020-05-04 08:00, in progress 08:10, resolved 12:00 (4 h), closed Thu 05-07
  12:00, reopened Mon 05-11 09:00, resolved Tue 05-12 15:00 (8 d 7 h = 199 h after created),
  closed Fri 05-15 15:00. The export, taken after the second close, carries Löst 05-12 15:00.
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
id = "oldest_h"
kind = "oldest_open_age"
unit = "hours"
"""

# (as of, resolved at hours after created, or None while open; the age then)
STRETCHES = [
    ("2020-05-05T12:00", 4.0),     # resolved
    ("2020-05-09T12:00", 4.0),     # closed: still resolved at the first resolution
    ("2020-05-11T12:00", None),    # reopened: open, 7 d 4 h old
    ("2020-05-13T12:00", 199.0),   # resolved again
    ("2020-05-20T12:00", 199.0),   # closed again: still the second resolution
]


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("G1", "2020-05-04 08:00", status="closed", response="2020-05-04 08:10",
                         resolved="2020-05-12 15:00", closed="2020-05-15 15:00")])
    b.history("h.csv", [
        ("G1", "2020-05-04 08:00", None, "new"),
        ("G1", "2020-05-04 08:10", "new", "in_progress"),
        ("G1", "2020-05-04 12:00", "in_progress", "resolved"),
        ("G1", "2020-05-07 12:00", "resolved", "closed"),
        ("G1", "2020-05-11 09:00", "closed", "in_progress"),
        ("G1", "2020-05-12 15:00", "in_progress", "resolved"),
        ("G1", "2020-05-15 15:00", "resolved", "closed"),
    ])
    b.collect()
    return b


def test_each_stretch(board: Board) -> None:
    for at, hours in STRETCHES:
        got = board.indicators("--period", "2020-05", "--at", at)
        if hours is None:
            assert got["handling_h"]["denominator"] == 0, at
            assert got["oldest_h"]["value"] == pytest.approx(7 * 24 + 4), at
        else:
            assert (got["handling_h"]["value"], got["handling_h"]["denominator"]) == (
                pytest.approx(hours), 1), at
            assert got["oldest_h"]["value"] is None, at
