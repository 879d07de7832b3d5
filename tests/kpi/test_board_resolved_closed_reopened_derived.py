"""The same life as test_board_resolved_closed_reopened, from a source without a status file:
the history kpimon derives from consecutive exports follows the same rule throughout (DESIGN
§3, §5, §7). Each export is taken at the change it shows ("Senast ändrad" moves with every
change), and carries the Löst and Stängd the source had then.

* G1 created Mon 2020-05-04 08:00, in progress 08:10, resolved 12:00 (4 h), closed Thu 05-07
  12:00, reopened Mon 05-11 09:00, resolved Tue 05-12 15:00 (199 h after created), closed
  Fri 05-15 15:00.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T
from tests.kpi.test_board_resolved_closed_reopened import INDICATORS, STRETCHES

EXPORTS = [
    dict(status="in_progress", updated="2020-05-04 08:10"),
    dict(status="resolved", resolved="2020-05-04 12:00", updated="2020-05-04 12:00"),
    dict(status="closed", resolved="2020-05-04 12:00", closed="2020-05-07 12:00",
         updated="2020-05-07 12:00"),
    dict(status="in_progress", resolved="2020-05-04 12:00", closed="2020-05-07 12:00",
         updated="2020-05-11 09:00"),
    dict(status="resolved", resolved="2020-05-12 15:00", updated="2020-05-12 15:00"),
    dict(status="closed", resolved="2020-05-12 15:00", closed="2020-05-15 15:00",
         updated="2020-05-15 15:00"),
]


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, history=False)
    for n, fields in enumerate(EXPORTS):
        b.export(f"{n}.csv", [T("G1", "2020-05-04 08:00", response="2020-05-04 08:10",
                                **fields)])  # type: ignore[arg-type]
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
