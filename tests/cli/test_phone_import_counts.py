"""ACE and queue_log imports and collections say what they did with the intervals and calls —
new, updated, unchanged — as the ticket sources do (they said `0 rows: inserted 0 …` while the
data went in)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board
from tests.sources.phone_helpers import FIXTURES

INDICATORS = """
[[indicators]]
id = "calls_20s"
kind = "call_service_level"
threshold = "20s"
"""


@pytest.fixture
def board(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, db_url, capsys)
    sources = f"""
[[sources]]
name = "telefoni"
kind = "ace_csv"
path = "{tmp_path}/ace/*.csv"
every = "15m"
settle = "0s"

[[sources]]
name = "vaxel"
kind = "queue_log"
path = "{tmp_path}/log/queue_log"
every = "1m"
"""
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "queue_log").touch()
    b.configure(INDICATORS, sources=sources)
    return b


def _summary(out: str) -> str:
    return out.splitlines()[0].split(": ", 1)[1].rsplit(" in ", 1)[0]


def test_ace_intervals_new_updated_unchanged(board: Board, tmp_path: Path) -> None:
    report = tmp_path / "elsewhere" / "ace.csv"
    report.parent.mkdir()
    shutil.copy(FIXTURES / "ace_sv_15min.csv", report)
    first = _summary(board.ok("import", "telefoni", str(report)))
    assert first.startswith("6 rows: inserted 6, updated 0, unchanged 0"), first
    again = _summary(board.ok("import", "--force", "telefoni", str(report)))
    assert again == "6 rows: inserted 0, updated 0, unchanged 6, rejected 0"
    text = report.read_bytes().replace(b"Servicedesk;2020-03-02 08:45;7;6;1;0;6;6",
                                       b"Servicedesk;2020-03-02 08:45;8;7;1;0;7;7")
    report.write_bytes(text)
    changed = _summary(board.ok("import", "telefoni", str(report)))
    assert changed == "6 rows: inserted 0, updated 1, unchanged 5, rejected 0"

    # A drop-folder collection counts the same way.
    (tmp_path / "ace").mkdir(exist_ok=True)
    shutil.copy(report, tmp_path / "ace" / "ace.csv")
    out = board.ok("collect", "telefoni")
    assert out.startswith("telefoni: 6 records (0 new, 0 updated, 6 unchanged), 0 rejected")


def test_queue_log_calls_new_and_unchanged(board: Board) -> None:
    log = FIXTURES / "queue_log.basic"
    first = _summary(board.ok("import", "vaxel", str(log)))
    assert first == "5 rows: inserted 5, updated 0, unchanged 0, rejected 0"
    again = _summary(board.ok("import", "vaxel", str(log)))  # a log carries no file identity
    assert again == "5 rows: inserted 0, updated 0, unchanged 5, rejected 0"
