"""A ticket closed without being resolved first counts its close as the resolution (DESIGN §3):
the closed time counts only then.

* E1 created Mon 2020-03-02 08:00, in progress 08:10, closed Wed 03-04 08:00 (48 h) straight
  from in progress; the export has no Löst, Stängd Wed 08:00.
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
"""


def test_the_close_is_the_resolution(tmp_path: Path, db_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T("E1", "2020-03-02 08:00", status="closed", response="2020-03-02 08:10",
                         closed="2020-03-04 08:00")])
    b.history("h.csv", [
        ("E1", "2020-03-02 08:00", None, "new"),
        ("E1", "2020-03-02 08:10", "new", "in_progress"),
        ("E1", "2020-03-04 08:00", "in_progress", "closed"),
    ])
    b.collect()
    got = b.indicators("--period", "2020-03", "--at", "2020-04-01T00:00")
    assert (got["handling_h"]["value"], got["handling_h"]["denominator"]) == (
        pytest.approx(48.0), 1)
    assert (got["res_1d"]["numerator"], got["res_1d"]["denominator"]) == (0, 1)
    before = b.indicators("--period", "2020-03", "--at", "2020-03-04T07:59")
    assert before["handling_h"]["denominator"] == 0      # not resolved before the close
