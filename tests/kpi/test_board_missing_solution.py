"""`missing_solution` (DESIGN §4, §7): tickets resolved in the period with no solution text;
value = count (0 when there is none, as the golden cases have it). Without a mapped `solution`
field there is no value at all.

March 2020: M1 resolved with a text (ok); M2 resolved without one (counted, Askersund); M3 open
without one (not resolved); M4 cancelled (left out); M5 closed with no resolved time and no text
(closed counts as resolved: counted, Hallsberg); M6 resolved without a text in April.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import FIELDS, Board, T, ticket_source

INDICATORS = """
[[indicators]]
id = "missing_solution"
name = "Avslutade ärenden utan lösningstext"
kind = "missing_solution"
target = "<= 0"
breakdown = ["org"]
"""

TICKETS = [
    T("M1", "2020-03-02 08:00", resolved="2020-03-02 09:00", solution="Bytt toner"),
    T("M2", "2020-03-02 08:00", resolved="2020-03-02 09:00", solution=""),
    T("M3", "2020-03-02 08:00", status="in_progress", solution=""),
    T("M4", "2020-03-02 08:00", status="cancelled", closed="2020-03-02 09:00", solution=""),
    T("M5", "2020-03-02 08:00", closed="2020-03-03 09:00", solution="", org="Hallsberg"),
    T("M6", "2020-03-31 08:00", resolved="2020-04-01 09:00", solution=""),
]
ARGS = ("--period", "2020-03", "--at", "2020-06-01T00:00")


def test_missing_solution(tmp_path: Path, db_url: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", TICKETS)
    b.collect()
    got = b.indicators(*ARGS)["missing_solution"]
    assert (got["value"], got["numerator"], got["denominator"]) == (2, None, None)
    assert got["unit"] == "count" and got["status"] == "not_achieved"
    orgs = got["breakdown"]["org"]
    assert {k: (v["value"], v["status"]) for k, v in orgs.items()} == {
        "Askersund": (1, "not_achieved"), "Hallsberg": (1, "not_achieved"),
        "Laxå": (0, "achieved"), "Lekeberg": (0, "achieved")}
    assert b.verdicts("missing_solution", *ARGS) == {"M1": "ok", "M2": "counted",
                                                     "M5": "counted"}


def test_no_value_without_a_mapped_solution(tmp_path: Path, db_url: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    b = Board(tmp_path, db_url, capsys)
    no_solution = FIELDS.replace('solution = "Lösning", ', "")
    assert no_solution != FIELDS
    b.configure(INDICATORS, sources=ticket_source(tmp_path, fields=no_solution))
    b.export("e.csv", TICKETS)
    b.collect()
    got = b.indicators(*ARGS)["missing_solution"]
    assert (got["value"], got["status"]) == (None, "no_value")
    assert {k: (v["value"], v["status"]) for k, v in got["breakdown"]["org"].items()} == {
        org: (None, "no_value") for org in ("Askersund", "Hallsberg", "Laxå", "Lekeberg")}
