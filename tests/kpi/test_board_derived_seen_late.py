"""A derived history only knows when a change was *seen* (DESIGN §3, §6): a ticket from a
source without a status file, first seen resolved in an export taken a day after its Löst,
counts from the export's Löst, not from when kpimon saw it.

Exports collected one after the other:
* export 1 (Mon 2020-03-30 08:30): D1 created 08:00, in progress.
* export 2 (Wed 04-01 10:00): D1 resolved, Löst Tue 03-31 10:00 (26 h after created).
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
id = "open_1h"
kind = "open_older_than"
threshold = "1h"
"""

AT = "2020-04-15T00:00"


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, history=False)
    b.export("1.csv", [T("D1", "2020-03-30 08:00", status="in_progress",
                         response="2020-03-30 08:10", updated="2020-03-30 08:30")])
    b.collect()
    b.export("2.csv", [T("D1", "2020-03-30 08:00", status="resolved",
                         response="2020-03-30 08:10", resolved="2020-03-31 10:00",
                         updated="2020-04-01 10:00")])
    b.collect()
    return b


def test_counts_from_the_exports_resolved_time(board: Board) -> None:
    march = board.indicators("--period", "2020-03", "--at", AT)
    assert (march["handling_h"]["value"], march["handling_h"]["denominator"]) == (
        pytest.approx(26.0), 1)
    assert march["open_1h"]["value"] == 0   # resolved by 03-31 24:00, as known now
    assert board.explain("open_1h", "--period", "2020-03", "--at", AT)["tickets"] == []
    april = board.indicators("--period", "2020-04", "--at", AT)
    assert april["handling_h"]["denominator"] == 0
