"""`first_line_share` (DESIGN §7): tickets resolved in the period; met = resolved by line 1, or,
only where the line is empty, by one of *that source's* `first_line_groups`.

March 2020, two sources: `export` (first-line group Servicedesk) and `other` (no groups).
* F1 line 1 in Drift: met.         * F2 line 2 in Servicedesk: missed (the line decides).
* F3 no line, Servicedesk: met.    * F4 no line, Drift: missed.
* F5 (`other`) no line, Servicedesk: missed, `other` has no first-line groups.
* F8 line "Linje 1": met (the number in the value counts).
* F6 open, F7 resolved in April: not in March's population.
3 of 6 = 0.5, below the board's 0.56.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T, ticket_source

INDICATORS = """
[[indicators]]
id = "first_line"
name = "Andel ärenden lösta av servicedesk (1:a linjen)"
kind = "first_line_share"
target = ">= 0.56"
"""


def test_first_line_share(tmp_path: Path, db_url: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS, sources=ticket_source(tmp_path)
                + ticket_source(tmp_path, name="other", first_line_groups=()))
    resolved = {"response": "2020-03-02 08:10", "resolved": "2020-03-02 09:00"}
    b.export("e.csv", [
        T("F1", "2020-03-02 08:00", line="1", group="Drift", **resolved),
        T("F2", "2020-03-02 08:00", line="2", group="Servicedesk", **resolved),
        T("F3", "2020-03-02 08:00", line="", group="Servicedesk", **resolved),
        T("F4", "2020-03-02 08:00", line="", group="Drift", **resolved),
        T("F6", "2020-03-02 08:00", line="", status="in_progress"),
        T("F7", "2020-03-31 08:00", line="1", resolved="2020-04-01 09:00"),
        T("F8", "2020-03-02 08:00", line="Linje 1", group="Drift", **resolved),
    ])
    b.export("o.csv", [T("F5", "2020-03-02 08:00", line="", group="Servicedesk", **resolved)],
             source="other")
    b.collect()
    args = ("--period", "2020-03", "--at", "2020-06-01T00:00")
    got = b.indicators(*args)["first_line"]
    assert (got["value"], got["numerator"], got["denominator"]) == (0.5, 3, 6)
    assert got["unit"] == "ratio" and got["status"] == "not_achieved"
    assert b.verdicts("first_line", *args) == {
        "F1": "met", "F2": "missed", "F3": "met", "F4": "missed", "F5": "missed", "F8": "met"}
    april = b.indicators("--period", "2020-04", "--at", "2020-06-01T00:00")["first_line"]
    assert (april["numerator"], april["denominator"]) == (1, 1)
