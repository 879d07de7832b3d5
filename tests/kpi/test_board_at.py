"""`--at` (DESIGN §7): every event after `at` is ignored (a ticket created after `at` does not
exist yet; a response or resolution after `at` has not happened), while attributes such as the
priority are as stored now.

2020-05-04: T1 (acute now) created 09:00, answered 09:20, resolved 10:00; T2 created 09:15,
answered 09:16, resolved 09:30.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
target = ">= 0.9"

[[indicators]]
id = "resp_acute"
kind = "response_within"
threshold = "30m"
filter = { priority = "acute" }

[[indicators]]
id = "open_any"
kind = "open_older_than"
threshold = "0s"

[[indicators]]
id = "oldest"
kind = "oldest_open_age"

[[indicators]]
id = "handling_min"
kind = "handling_time"
unit = "minutes"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("T1", "2020-05-04 09:00", priority="acute", response="2020-05-04 09:20",
          resolved="2020-05-04 10:00"),
        T("T2", "2020-05-04 09:15", response="2020-05-04 09:16", resolved="2020-05-04 09:30"),
    ])
    b.collect()
    return b


def test_before_the_second_ticket_exists(board: Board) -> None:
    args = ("--period", "2020-05", "--at", "2020-05-04T09:10")
    got = board.indicators(*args)
    assert (got["resp_30m"]["value"], got["resp_30m"]["denominator"]) == (None, 0)
    assert got["resp_30m"]["status"] == "no_value"
    assert (got["open_any"]["value"], got["oldest"]["value"]) == (1, 600)
    assert got["handling_min"]["value"] is None
    assert board.verdicts("resp_30m", *args) == {"T1": "pending"}


def test_between_the_events(board: Board) -> None:
    args = ("--period", "2020-05", "--at", "2020-05-04T09:40")
    got = board.indicators(*args)
    assert (got["resp_30m"]["numerator"], got["resp_30m"]["denominator"]) == (2, 2)
    assert (got["resp_acute"]["numerator"], got["resp_acute"]["denominator"]) == (1, 1)
    assert (got["open_any"]["value"], got["oldest"]["value"]) == (1, 40 * 60)  # T2 resolved
    assert got["handling_min"]["value"] == pytest.approx(15.0)


def test_after_everything(board: Board) -> None:
    got = board.indicators("--period", "2020-05", "--at", "2020-05-05T00:00")
    assert (got["open_any"]["value"], got["oldest"]["value"]) == (0, None)
    assert got["handling_min"]["value"] == pytest.approx((60 + 15) / 2)
    assert got["handling_min"]["numerator"] == pytest.approx(75.0)
