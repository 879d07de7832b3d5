"""`kpimon explain INDICATOR` (DESIGN §7 "History and care", §9) on the golden case set: the
ticket ids counted as met, missed, pending and unknown, with their elapsed (business) seconds,
as JSON and as a table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board

AT = "2021-03-01T00:00:00"


@pytest.fixture
def golden(golden_dir: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Board:
    monkeypatch.setenv("GOLDEN_DIR", str(golden_dir))
    monkeypatch.setenv("GOLDEN_DB", db_url)
    b = Board(tmp_path, db_url, capsys)
    b.cfg = golden_dir / "kpimon.toml"
    b.collect()
    return b


def test_met_and_missed_with_elapsed_seconds(golden: Board) -> None:
    got = golden.explain("resp_30m", "--period", "2020-03", "--at", AT)
    assert got["indicator"] == "resp_30m" and got["kind"] == "response_within"
    assert got["period"]["label"] == "2020-03"
    assert got["evaluated_at"] == "2021-03-01T00:00:00+01:00"
    assert got["summary"] == {"met": 3, "missed": 2}
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"], r["org"]) for r in got["tickets"]}
    assert rows == {
        "G01": ("met", 20 * 60, "Askersund"),
        "G02": ("missed", 45 * 60, "Hallsberg"),
        "G03": ("missed", (2 * 24 + 15) * 3600 + 40 * 60, "Lekeberg"),  # Fri 16:30 → Mon 08:10
        "G06": ("met", 20 * 60, "Lekeberg"),      # across the spring DST gap
        "G20": ("met", 10 * 60, "Lekeberg"),
    }
    assert got["excluded"] == []


def test_office_calendar_elapsed(golden: Board) -> None:
    rows = {r["ticket"]: r["elapsed_seconds"] for r in golden.explain(
        "resp_8h_office", "--period", "2020-03", "--at", AT)["tickets"]}
    assert rows["G03"] == 10 * 60       # Friday after closing: 10 business minutes
    assert rows["G06"] == 0             # Sunday night: no business time at all


def test_pending(golden: Board) -> None:
    got = golden.explain("resp_30m", "--period", "2021-02", "--at", AT)
    assert got["summary"] == {"pending": 1}
    assert [(r["ticket"], r["verdict"], r["elapsed_seconds"]) for r in got["tickets"]] == [
        ("G10", "pending", 15 * 60)]


def test_unknown_and_counted(golden: Board) -> None:
    got = golden.explain("flow", "--period", "2020-11", "--at", AT)
    assert got["summary"] == {"counted": 1, "unknown": 4, "ok": 1}
    verdicts = {r["ticket"]: r["verdict"] for r in got["tickets"]}
    assert verdicts == {"G16": "counted", "G17": "unknown", "G18": "unknown",
                        "G19": "unknown", "G21": "unknown", "G22": "ok"}
    g16 = next(r for r in got["tickets"] if r["ticket"] == "G16")
    # Created 11-02 08:00, resolved 09:00, closed 11-05 09:00: closing never moves the
    # resolution (DESIGN §3), so one hour, not the 73 h to the close.
    assert g16["elapsed_seconds"] == 3600


def test_table(golden: Board) -> None:
    out = golden.ok("explain", "resp_30m", "--period", "2020-03", "--at", AT)
    lines = out.splitlines()
    assert lines[0] == "resp_30m (response_within) for 2020-03 as of 2021-03-01 00:00"
    g02 = next(line for line in lines if line.split()[0] == "G02")
    assert g02.split() == ["G02", "missed", "0h45m", "2700", "s", "Hallsberg"]
    assert lines[-1].strip() == "met 3, missed 2"


def test_unknown_indicator_is_a_usage_error(golden: Board) -> None:
    rc, _, err = golden.run("explain", "nosuch", "--period", "2020-03")
    assert rc == 2 and "nosuch" in err
