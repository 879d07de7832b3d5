"""`status_flow` when the source has no status history (DESIGN §5, §7): kpimon derives changes
from consecutive exports, and a derived history can prove that a ticket passed in_progress but
never that it skipped it (it may have passed between two exports): such tickets are `unknown`.

Three exports of a source without `status_changes`, collected one after the other:
* D1 new → resolved between two exports: unknown.
* D2 first seen in progress, then resolved: ok.
* D3 first seen already resolved: unknown.
* D4 new → in progress → resolved: ok.
* D5 new → waiting → closed: unknown (in progress may have come between waiting and closed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "flow"
kind = "status_flow"
target = "<= 0"
"""


def test_derived_history_cannot_tell_a_skip(tmp_path: Path, db_url: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, history=False)
    first = {"updated": "2020-11-02 10:00"}
    b.export("1.csv", [
        T("D1", "2020-11-02 08:00", status="new", **first),
        T("D2", "2020-11-02 08:00", status="in_progress", response="2020-11-02 09:00", **first),
        T("D4", "2020-11-02 08:00", status="new", **first),
        T("D5", "2020-11-02 08:00", status="new", **first),
    ])
    b.collect()
    second = {"updated": "2020-11-03 10:00"}
    b.export("2.csv", [
        T("D1", "2020-11-02 08:00", status="resolved", resolved="2020-11-03 09:00", **second),
        T("D2", "2020-11-02 08:00", status="resolved", resolved="2020-11-03 09:00", **second),
        T("D3", "2020-11-02 08:00", status="resolved", resolved="2020-11-03 09:00", **second),
        T("D4", "2020-11-02 08:00", status="in_progress", **second),
        T("D5", "2020-11-02 08:00", status="waiting", **second),
    ])
    b.collect()
    third = {"updated": "2020-11-04 10:00"}
    b.export("3.csv", [
        T("D4", "2020-11-02 08:00", status="resolved", resolved="2020-11-04 09:00", **third),
        T("D5", "2020-11-02 08:00", status="closed", closed="2020-11-04 09:00", **third),
    ])
    b.collect()
    args = ("--period", "2020-11", "--at", "2021-03-01T00:00")
    flow = b.indicators(*args)["flow"]
    assert (flow["value"], flow["unknown"]) == (0, 3)
    assert flow["status"] == "achieved"
    assert b.verdicts("flow", *args) == {
        "D1": "unknown", "D2": "ok", "D3": "unknown", "D4": "ok", "D5": "unknown"}
