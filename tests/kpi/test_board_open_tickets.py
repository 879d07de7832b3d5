"""`open_older_than` and `oldest_open_age` (DESIGN §7) at m = min(end, at): the state at the
period's end (the internal-control figure), or at `at` inside a running period.

* A created 2020-10-01 10:00 CEST (08:00Z), waiting ever since.
* B created 2020-11-20 10:00 CET (09:00Z), open.  * E created 2020-11-28 10:00 CET, open.
* C created 2020-10-15 10:00 CEST, resolved 2020-12-15: open at the end of November.
* F created 2020-09-01, resolved 2020-11-10.      * G cancelled: left out.

November as of 2021-03-01, m = 2020-12-01 00:00 CET (2020-11-30 23:00Z): A, B, C, E open;
older than 30 days A (60 d 15 h) and C (46 d 15 h); the oldest is A: 5 238 000 s.
November as of 2020-11-25 12:00 CET: m = `at`; E does not exist yet; A (55 d 3 h) and C;
oldest 4 762 800 s. December: A, B (41 d 14 h) and E (33 d 14 h); C was resolved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, D, H, T

INDICATORS = """
[[indicators]]
id = "open_30d"
name = "Öppna ärenden äldre än en månad"
kind = "open_older_than"
threshold = "30d"
target = "<= 1"
breakdown = ["org"]

[[indicators]]
id = "oldest_open"
kind = "oldest_open_age"

[[indicators]]
id = "oldest_open_days"
kind = "oldest_open_age"
unit = "days"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("A", "2020-10-01 10:00", status="waiting", org="Askersund"),
        T("B", "2020-11-20 10:00", status="in_progress", org="Lekeberg"),
        T("C", "2020-10-15 10:00", resolved="2020-12-15 10:00", org="Hallsberg"),
        T("E", "2020-11-28 10:00", status="new", org="Laxå"),
        T("F", "2020-09-01 10:00", resolved="2020-11-10 10:00"),
        T("G", "2020-09-01 10:00", status="cancelled"),
    ])
    b.collect()
    return b


def test_state_at_the_end_of_a_past_period(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", "2021-03-01T00:00")
    assert (got["open_30d"]["value"], got["open_30d"]["numerator"]) == (2, None)
    assert got["open_30d"]["status"] == "not_achieved"
    assert {k: v["value"] for k, v in got["open_30d"]["breakdown"]["org"].items()} == {
        "Askersund": 1, "Hallsberg": 1, "Laxå": 0, "Lekeberg": 0}
    assert got["oldest_open"]["value"] == 60 * D + 15 * H == 5_238_000
    assert got["oldest_open"]["unit"] == "seconds"
    assert got["oldest_open_days"]["value"] == pytest.approx(60.625)
    rows = {r["ticket"]: (r["verdict"], r["elapsed_seconds"]) for r in board.explain(
        "open_30d", "--period", "2020-11", "--at", "2021-03-01T00:00")["tickets"]}
    assert rows == {"A": ("counted", 60 * D + 15 * H), "C": ("counted", 46 * D + 15 * H),
                    "B": ("younger", 10 * D + 14 * H), "E": ("younger", 2 * D + 14 * H)}


def test_state_at_at_inside_the_period(board: Board) -> None:
    got = board.indicators("--period", "2020-11", "--at", "2020-11-25T12:00")
    assert got["open_30d"]["value"] == 2
    assert got["oldest_open"]["value"] == 55 * D + 3 * H == 4_762_800
    assert set(board.verdicts("open_30d", "--period", "2020-11", "--at", "2020-11-25T12:00")
               ) == {"A", "B", "C"}


def test_next_period(board: Board) -> None:
    got = board.indicators("--period", "2020-12", "--at", "2021-03-01T00:00")
    assert got["open_30d"]["value"] == 3
    assert got["oldest_open"]["value"] == 91 * D + 15 * H


def test_none_open_is_no_value_for_the_oldest(board: Board) -> None:
    got = board.indicators("--period", "2020-08", "--at", "2021-03-01T00:00")
    assert got["open_30d"]["value"] == 0 and got["open_30d"]["status"] == "achieved"
    assert got["oldest_open"]["value"] is None
