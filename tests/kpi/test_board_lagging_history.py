"""The export's current status wins over a lagging status file (DESIGN §11a): from a ticket's
"Senast ändrad" on, an exported resolved or closed ticket is resolved and an exported new,
in progress or waiting one is open, whatever the status file says; the file decides before.

* K1 created Mon 2020-03-02 08:00, in progress 08:10 — the last change the status file has.
  The export (Senast ändrad Wed 03-04 10:00) says closed, Löst Tue 03-03 09:00 (25 h).
* K2 created Mon 2020-03-02 08:00, resolved 12:00 (4 h) in the status file. The export
  (Senast ändrad Thu 03-05 09:00) says in progress again.
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
    b.export("e.csv", [
        T("K1", "2020-03-02 08:00", status="closed", response="2020-03-02 08:10",
          resolved="2020-03-03 09:00", updated="2020-03-04 10:00"),
        T("K2", "2020-03-02 08:00", status="in_progress", response="2020-03-02 08:10",
          resolved="2020-03-02 12:00", updated="2020-03-05 09:00"),
    ])
    b.history("h.csv", [
        ("K1", "2020-03-02 08:00", None, "new"),
        ("K1", "2020-03-02 08:10", "new", "in_progress"),
        ("K2", "2020-03-02 08:00", None, "new"),
        ("K2", "2020-03-02 08:10", "new", "in_progress"),
        ("K2", "2020-03-02 12:00", "in_progress", "resolved"),
    ])
    b.collect()
    return b


def test_the_exports_status_wins_from_its_last_change_on(board: Board) -> None:
    def resolved(at: str) -> dict[str, float]:
        return {r["ticket"]: r["elapsed_seconds"] / 3600 for r in board.explain(
            "handling_h", "--period", "2020-03", "--at", at)["tickets"]}

    # Before K1's export time the file decides: K1 open, K2 resolved at 12:00.
    assert resolved("2020-03-04T09:59") == {"K2": 4.0}
    # From it on K1 is resolved, at its Löst.
    assert resolved("2020-03-04T10:00") == {"K1": 25.0, "K2": 4.0}
    # From K2's export time on, K2 is open again.
    assert resolved("2020-03-05T09:00") == {"K1": 25.0}
