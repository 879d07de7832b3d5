"""`status_flow` with a status history from the source (DESIGN §7): tickets resolved in the
period whose history reaches resolved or closed *for the first time* without having passed
through each `required` status (default in_progress). A ticket with no history rows at all
cannot tell: `unknown`, left out of the value.

November 2020:
* S1 new → resolved: counted.            * S2 new → in_progress → resolved: ok.
* S3 new → waiting → resolved: counted.  * S7 new → in_progress → closed: ok.
* S4 new → in_progress → resolved → in_progress → waiting → resolved: ok (the first time passed).
* S5 new → resolved → in_progress → resolved: counted (the first time skipped).
* S6 no history rows: unknown.           * S8 new → closed: counted.
* S9 still in progress; S10 resolved in December: not in November.
With required = [in_progress, waiting] every resolved ticket with a history skipped one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "flow"
name = "Ärenden som hoppat över Ny → Pågår → Avklarad"
kind = "status_flow"
target = "<= 0"

[[indicators]]
id = "flow_waiting"
kind = "status_flow"
required = ["in_progress", "waiting"]
"""


def _h(tid: str, day: int, *statuses: str) -> list[tuple[str, str, str | None, str]]:
    """A history: the statuses in order, one hour apart from 08:00 on 2020-11-<day>."""
    out: list[tuple[str, str, str | None, str]] = []
    prev: str | None = None
    for i, s in enumerate(statuses):
        out.append((tid, f"2020-11-{day:02d} {8 + i:02d}:00", prev, s))
        prev = s
    return out


def test_status_flow_from_source_history(tmp_path: Path, db_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    done = {"resolved": "2020-11-10 08:00"}
    b.export("e.csv", [
        T("S1", "2020-11-02 08:00", **done), T("S2", "2020-11-03 08:00", **done),
        T("S3", "2020-11-04 08:00", **done), T("S4", "2020-11-05 08:00", **done),
        T("S5", "2020-11-06 08:00", **done), T("S6", "2020-11-07 08:00", **done),
        T("S7", "2020-11-08 08:00", closed="2020-11-08 10:00"),
        T("S8", "2020-11-09 08:00", closed="2020-11-09 09:00"),
        T("S9", "2020-11-09 08:00", status="in_progress"),
        T("S10", "2020-11-30 08:00", resolved="2020-12-01 08:00"),
    ])
    b.history("h.csv", [
        *_h("S1", 2, "new", "resolved"),
        *_h("S2", 3, "new", "in_progress", "resolved"),
        *_h("S3", 4, "new", "waiting", "resolved"),
        *_h("S4", 5, "new", "in_progress", "resolved", "in_progress", "waiting", "resolved"),
        *_h("S5", 6, "new", "resolved", "in_progress", "resolved"),
        *_h("S7", 8, "new", "in_progress", "closed"),
        *_h("S8", 9, "new", "closed"),
        *_h("S9", 9, "new", "in_progress"),
        ("S10", "2020-11-30 08:00", None, "new"), ("S10", "2020-12-01 08:00", "new", "resolved"),
    ])
    b.collect()
    args = ("--period", "2020-11", "--at", "2021-03-01T00:00")
    got = b.indicators(*args)
    flow = got["flow"]
    assert (flow["value"], flow["unknown"], flow["numerator"], flow["denominator"]) == (
        4, 1, None, None)
    assert flow["status"] == "not_achieved"
    assert (got["flow_waiting"]["value"], got["flow_waiting"]["unknown"]) == (7, 1)
    assert b.verdicts("flow", *args) == {
        "S1": "counted", "S2": "ok", "S3": "counted", "S4": "ok", "S5": "counted",
        "S6": "unknown", "S7": "ok", "S8": "counted"}
    december = b.indicators("--period", "2020-12", "--at", "2021-03-01T00:00")["flow"]
    assert (december["value"], december["unknown"]) == (1, 0)
