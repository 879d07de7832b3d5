"""Periods (DESIGN §7, §9): `--from D --to D` (both dates inclusive), ISO weeks (also week 53
across New Year), a day with a DST change, and no period at all (the month containing `at`, up to
`at`). Each ticket is answered after 10 minutes, so a period's denominator is the number of
tickets created in it.
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
"""

CREATED = {
    "W1": ("2020-03-01 23:59", "2020-03-02 00:09"),  # Sunday of week 9
    "W2": ("2020-03-02 00:00", "2020-03-02 00:10"),  # Monday of week 10
    "W3": ("2020-03-04 23:59", "2020-03-05 00:09"),
    "W4": ("2020-03-05 00:00", "2020-03-05 00:10"),
    "W5": ("2020-03-08 23:30", "2020-03-08 23:40"),  # Sunday of week 10
    "W6": ("2020-03-09 00:00", "2020-03-09 00:10"),  # Monday of week 11
    "Y0": ("2020-12-27 23:00", "2020-12-27 23:10"),  # week 52
    "Y1": ("2020-12-28 10:00", "2020-12-28 10:10"),  # week 53 of 2020 ...
    "Y2": ("2021-01-03 23:00", "2021-01-03 23:10"),  # ... ends on Sunday 2021-01-03
    "Y3": ("2021-01-04 00:00", "2021-01-04 00:10"),  # 2021-W01
    "S1": ("2020-03-29 01:30", "2020-03-29 01:40"),  # the spring DST day
    "S2": ("2020-03-29 23:50", "2020-03-30 00:00"),
}
AT = "2021-03-01T00:00"


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [T(k, c, status="in_progress", response=r)
                       for k, (c, r) in CREATED.items()])
    b.collect()
    return b


def _population(board: Board, indicator: str, *args: str) -> set[str]:
    return {r["ticket"] for r in board.explain(indicator, *args, "--at", AT)["tickets"]}


def test_from_to_includes_both_dates(board: Board) -> None:
    got = board.kpis("--from", "2020-03-02", "--to", "2020-03-04", "--at", AT)
    assert got["period"] == {"start": "2020-03-02T00:00:00+01:00",
                             "end": "2020-03-05T00:00:00+01:00",
                             "label": "2020-03-02..2020-03-04"}
    assert got["indicators"][0]["denominator"] == 2
    assert _population(board, "resp_30m", "--from", "2020-03-02", "--to", "2020-03-04") == {
        "W2", "W3"}


def test_iso_week(board: Board) -> None:
    got = board.kpis("--period", "2020-W10", "--at", AT)
    assert got["period"]["label"] == "2020-W10"
    assert got["period"]["start"] == "2020-03-02T00:00:00+01:00"
    assert got["period"]["end"] == "2020-03-09T00:00:00+01:00"
    assert _population(board, "resp_30m", "--period", "2020-W10") == {"W2", "W3", "W4", "W5"}


def test_week_53_spans_new_year(board: Board) -> None:
    got = board.kpis("--period", "2020-W53", "--at", AT)
    assert (got["period"]["start"], got["period"]["end"]) == (
        "2020-12-28T00:00:00+01:00", "2021-01-04T00:00:00+01:00")
    assert _population(board, "resp_30m", "--period", "2020-W53") == {"Y1", "Y2"}
    assert _population(board, "resp_30m", "--period", "2021-W01") == {"Y3"}


def test_a_day_with_a_dst_change(board: Board) -> None:
    got = board.kpis("--from", "2020-03-29", "--to", "2020-03-29", "--at", AT)
    assert (got["period"]["start"], got["period"]["end"]) == (
        "2020-03-29T00:00:00+01:00", "2020-03-30T00:00:00+02:00")
    assert got["indicators"][0]["denominator"] == 2


def test_no_period_is_the_month_of_at_up_to_at(board: Board) -> None:
    got = board.kpis("--at", "2020-03-04T12:00")
    assert got["period"]["label"] == "2020-03"
    assert got["evaluated_at"] == "2020-03-04T12:00:00+01:00"
    assert got["indicators"][0]["denominator"] == 2  # W1 and W2; W3 is created after `at`


@pytest.mark.parametrize("args", [
    ("--from", "2020-03-02"),
    ("--period", "2020-03", "--from", "2020-03-02", "--to", "2020-03-04"),
    ("--period", "2020-13"),
    ("--from", "2020-03-04", "--to", "2020-03-02"),
    ("--period", "2020-03", "--at", "yesterday"),
])
def test_bad_period_arguments_are_usage_errors(board: Board, args: tuple[str, ...]) -> None:
    rc, out, err = board.run("kpis", *args)
    assert rc == 2 and out == "" and err.startswith("kpimon: ")
