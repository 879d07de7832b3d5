"""A resolved → closed ticket whose export carries no Löst counts from the start of its run of
resolved/closed statuses in the history, never from the close (DESIGN §3, §11a): the closed
time is the source's own time only for a ticket closed without being resolved first.

* F1 created Mon 2020-03-02 08:00, in progress 08:10, resolved 11:00 (3 h), closed Fri
  03-06 11:00; the export (no Löst field filled in) carries Stängd Fri 11:00.
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


def test_counts_from_the_runs_start(tmp_path: Path, db_url: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("F1", "2020-03-02 08:00", status="closed", response="2020-03-02 08:10",
                         closed="2020-03-06 11:00")])
    b.history("h.csv", [
        ("F1", "2020-03-02 08:00", None, "new"),
        ("F1", "2020-03-02 08:10", "new", "in_progress"),
        ("F1", "2020-03-02 11:00", "in_progress", "resolved"),
        ("F1", "2020-03-06 11:00", "resolved", "closed"),
    ])
    b.collect()
    got = b.indicators("--period", "2020-03", "--at", "2020-04-01T00:00")
    assert (got["handling_h"]["value"], got["handling_h"]["denominator"]) == (
        pytest.approx(3.0), 1)
