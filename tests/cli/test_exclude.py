"""`kpimon exclude TICKET --reason …` (DESIGN §7 "History and care"): the ticket leaves every
indicator, is kept with its reason, author and time, is listed by `exclude --list` and in
`explain`'s `excluded`, and `exclude --undo` brings it back. On the golden case set, March 2020:
G02 (Hallsberg, answered after 45 min, line 2, 16 office hours) is excluded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.board.kit import Board

AT = "2021-03-01T00:00:00"
ARGS = ("--period", "2020-03", "--at", AT)


@pytest.fixture
def golden(golden_dir: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Board:
    monkeypatch.setenv("GOLDEN_DIR", str(golden_dir))
    monkeypatch.setenv("GOLDEN_DB", db_url)
    b = Board(tmp_path, db_url, capsys)
    b.cfg = golden_dir / "kpimon.toml"
    b.collect()
    return b


def _expected(golden_dir: Path, period: str) -> dict[str, Any]:
    cases = json.loads((golden_dir / "expected.json").read_text())["cases"]
    return next(c for c in cases if c["period"] == period)["indicators"]  # type: ignore[no-any-return]


def test_exclude_list_explain_and_undo(golden: Board, golden_dir: Path) -> None:
    out = golden.ok("exclude", "G02", "--reason", "test")
    assert out.strip() == "G02: left out of every indicator (test)"

    got = golden.indicators(*ARGS)
    assert (got["resp_30m"]["numerator"], got["resp_30m"]["denominator"]) == (3, 4)
    hallsberg = got["resp_30m"]["breakdown"]["org"]["Hallsberg"]
    assert (hallsberg["value"], hallsberg["denominator"], hallsberg["status"]) == (
        None, 0, "no_value")
    assert (got["resp_8h_office"]["numerator"], got["resp_8h_office"]["denominator"]) == (4, 4)
    assert (got["first_line"]["numerator"], got["first_line"]["denominator"]) == (3, 4)
    # 19 office hours less G02's 16, over 4 tickets; p90 of 0, 0, 1, 2 h.
    assert got["handling_office_h"]["numerator"] == pytest.approx(3.0)
    assert got["handling_office_h"]["value"] == pytest.approx(0.75)
    assert got["handling_p90_office_h"]["value"] == pytest.approx(1.7)
    assert (got["flow"]["value"], got["flow"]["unknown"]) == (0, 4)

    for ind in got:
        explained = golden.explain(ind, *ARGS)
        assert "G02" not in {r.get("ticket") for r in explained["tickets"]}, ind
        assert [(e["ticket"], e["reason"]) for e in explained["excluded"]] == [("G02", "test")]
        assert explained["excluded"][0]["author"]
        assert explained["excluded"][0]["at"]

    listed = golden.ok("exclude", "--list").splitlines()
    assert len(listed) == 1
    ticket, at, author, reason = listed[0].split("\t")
    assert (ticket, reason) == ("G02", "test") and author and at.startswith("20")
    table = golden.ok("explain", "resp_30m", *ARGS)
    assert any(line.split()[:2] == ["G02", "excluded"] for line in table.splitlines())

    assert golden.ok("exclude", "--undo", "G02").strip() == "G02: counts again"
    assert golden.ok("exclude", "--list") == ""
    back = golden.indicators(*ARGS)
    for ident, exp in _expected(golden_dir, "2020-03").items():
        assert back[ident]["value"] == pytest.approx(exp["value"]), ident
        assert back[ident]["status"] == exp["status"], ident


def test_the_year_without_g02(golden: Board) -> None:
    golden.ok("exclude", "G02", "--reason", "dubblett")
    got = golden.indicators("--period", "2020", "--at", AT)
    # The golden year is 13/20 and 9/17; G02 was missed on both.
    assert (got["resp_30m"]["numerator"], got["resp_30m"]["denominator"]) == (13, 19)
    assert (got["first_line"]["numerator"], got["first_line"]["denominator"]) == (9, 16)


def test_usage(golden: Board) -> None:
    assert golden.run("exclude", "G02")[0] == 2                 # a reason is required
    rc, _, err = golden.run("exclude", "--undo", "G99")
    assert rc == 1 and "G99" in err                              # it was not excluded


def test_an_unknown_ticket_is_excluded_with_a_note(golden: Board) -> None:
    rc, out, err = golden.run("exclude", "G99", "--reason", "test")
    assert rc == 0 and out.startswith("G99: left out") and "no ticket G99" in err
    rc, _, err = golden.run("exclude", "export:G03", "--reason", "test ticket")
    assert rc == 0 and err == ""
    got = golden.indicators(*ARGS)
    assert got["resp_30m"]["denominator"] == 4          # G03 is left out by SOURCE:ID too
