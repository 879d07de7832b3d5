"""`response_within` (DESIGN §7): the clock stops at the first response, or at the resolved time
when no response was recorded; a ticket that has not stopped by `at` is missed once more than T
has elapsed, pending before. Period March 2020 as of 2020-03-31 12:00.

* R1 no response, resolved after 20 min: met.  * R2 no response, resolved after 40 min: missed.
* R3 created 11:50, nothing yet: pending (10 min). * R4 created 11:00, nothing yet: missed (1 h).
* R6 created 11:40, answered and resolved at 12:05, after `at`: pending (20 min as of `at`).
* R7 answered after 1 h although resolved after 10 min: the recorded response counts: missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, H, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


def test_resolved_time_stands_in_for_a_missing_response(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("R1", "2020-03-02 08:00", resolved="2020-03-02 08:20"),
        T("R2", "2020-03-02 08:00", resolved="2020-03-02 08:40"),
        T("R3", "2020-03-31 11:50", status="new"),
        T("R4", "2020-03-31 11:00", status="new"),
        T("R6", "2020-03-31 11:40", response="2020-03-31 12:05", resolved="2020-03-31 12:05"),
        T("R7", "2020-03-30 08:00", response="2020-03-30 09:00", resolved="2020-03-30 08:10"),
    ])
    b.collect()
    args = ("--period", "2020-03", "--at", "2020-03-31T12:00")
    got = b.indicators(*args)["resp_30m"]
    assert (got["value"], got["numerator"], got["denominator"]) == (0.25, 1, 4)
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"])
            for r in b.explain("resp_30m", *args)["tickets"]}
    assert rows == {"R1": ("met", 20 * 60), "R2": ("missed", 40 * 60),
                    "R3": ("pending", 10 * 60), "R4": ("missed", H),
                    "R6": ("pending", 20 * 60), "R7": ("missed", H)}
    later = b.indicators("--period", "2020-03", "--at", "2020-04-01T00:00")["resp_30m"]
    # R6 stopped at 25 min (met); R3 (12 h 10 min) and R4 are missed by the end of March.
    assert (later["numerator"], later["denominator"]) == (2, 6)
