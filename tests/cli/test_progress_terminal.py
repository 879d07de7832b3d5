"""On a terminal, `collect` and `recompute` show their progress as `import` does — each file
and the facts pass end on a line of their own with their last state — and the summary comes
below, never over them (a collection computes the facts of its new tickets as it imports
them, so only `recompute` has a facts pass to show here). Off a terminal nothing is drawn."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.board.kit import Board, T

REPO = Path(__file__).resolve().parents[2]
INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


def _on_a_terminal(*argv: str) -> tuple[int, list[str]]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.environ["PYTHONPATH"] = str(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "kpimon", *argv])
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    # What a person sees on each line: the last state drawn on it, without the erase codes.
    lines = [line.split("\r")[-1].replace("\x1b[K", "") for line in text.split("\n")]
    return os.waitstatus_to_exitcode(status), lines


@pytest.fixture
def board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, f"sqlite:///{tmp_path}/kpimon.db", capsys)
    b.configure(INDICATORS)
    b.export("1.csv", [T(f"A{n}", "2020-03-02 08:00") for n in range(3000)])
    return b


@pytest.mark.timeout(120)
def test_collect_and_recompute_show_progress(board: Board) -> None:
    cfg = str(board.cfg)
    code, lines = _on_a_terminal("--config", cfg, "--log-level", "WARNING", "collect")
    assert code == 0, lines
    bar = next(i for i, line in enumerate(lines) if line.startswith("1.csv  100% ["))
    assert "3,000 rows" in lines[bar] and "rows/s" in lines[bar]
    summary = next(i for i, line in enumerate(lines) if line.startswith("export: 3000 records"))
    assert bar < summary and "rows/s" not in lines[summary]
    # The import computed the facts of its new tickets itself: no pass was left to show.
    assert not any(line.startswith("facts ") for line in lines), lines

    code, lines = _on_a_terminal("--config", cfg, "--log-level", "WARNING", "recompute")
    assert code == 0, lines
    facts = next(i for i, line in enumerate(lines) if line.startswith("facts  100% ["))
    assert lines[facts + 1] == "recomputed facts for 3000 tickets"


@pytest.mark.timeout(120)
def test_nothing_is_drawn_off_a_terminal(board: Board) -> None:
    run = subprocess.run([sys.executable, "-m", "kpimon", "--config", str(board.cfg),
                          "collect"], capture_output=True, text=True, timeout=100,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr and "rows/s" not in run.stderr + run.stdout
