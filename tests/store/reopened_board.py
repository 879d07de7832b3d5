"""The board the facts-table migration tests share: ticket A1 resolved once, X2 resolved,
reopened and resolved again (an earlier resolution beside its last), O3 still open, with two
indicators on the office calendar; and the figures to compare before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "handling_office"
kind = "handling_time"
calendar = "office"
unit = "hours"

[[indicators]]
id = "res_office"
kind = "resolution_within"
calendar = "office"
threshold = "8h"
"""


def reopened_board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    """The board, collected."""
    b = Board(tmp_path, db_url, capsys)
    b.configure(INDICATORS)
    b.export("e.csv", [
        T("A1", "2020-08-03 08:00", status="resolved", response="2020-08-03 08:10",
          resolved="2020-08-03 12:00"),
        T("X2", "2020-08-05 08:00", status="resolved", response="2020-08-05 08:10",
          resolved="2020-09-02 10:00"),
        T("O3", "2020-08-07 10:00", status="in_progress", response="2020-08-07 10:20"),
    ])
    b.history("h.csv", [
        ("A1", "2020-08-03 08:00", None, "new"),
        ("A1", "2020-08-03 12:00", "new", "resolved"),
        ("X2", "2020-08-05 08:00", None, "new"),
        ("X2", "2020-08-05 08:10", "new", "in_progress"),
        ("X2", "2020-08-06 10:00", "in_progress", "resolved"),
        ("X2", "2020-08-20 09:00", "resolved", "in_progress"),
        ("X2", "2020-09-02 10:00", "in_progress", "resolved"),
        ("O3", "2020-08-07 10:00", None, "new"),
        ("O3", "2020-08-07 10:20", "new", "in_progress"),
    ])
    b.collect()
    return b


def figures(board: Board) -> list[Any]:
    """August as of the 10th (X2's first resolution holds), August and September."""
    return [board.kpis("--period", "2020-08", "--at", "2020-08-10T12:00")["indicators"],
            board.kpis("--period", "2020-08")["indicators"],
            board.kpis("--period", "2020-09")["indicators"]]
