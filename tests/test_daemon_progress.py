"""The daemon's first start on a terminal shows progress for a long first import and a long
facts pass (each ends on a line of its own), quick ones leave no trace, and under systemd (no
terminal) nothing is drawn. An import computes the facts of its new tickets itself, so a long
facts pass is the one after an upgrade that rebuilds every ticket's facts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import text

from kpimon.config import load_config
from kpimon.daemon import Daemon
from kpimon.progress import ProgressLine
from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


class _Screen:
    def __init__(self, tty: bool):
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


@pytest.fixture
def board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Board:
    b = Board(tmp_path, f"sqlite:///{tmp_path}/kpimon.db", capsys)
    b.configure(INDICATORS)
    b.export("1.csv", [T(f"A{n}", "2020-03-02 08:00") for n in range(2500)])
    return b


@pytest.mark.parametrize("tty", [True, False])
def test_first_collection_and_facts_show_progress_on_a_terminal(board: Board,
                                                                tty: bool) -> None:
    screen = _Screen(tty)
    ticks = itertools.count(0.0, 1.5)  # each look at the clock: 1.5 s later (a slow machine)
    line = ProgressLine(screen, clock=lambda: next(ticks))  # type: ignore[arg-type]
    daemon = Daemon(load_config(board.cfg), env={}, progress=line)
    try:
        daemon.app.store.upgrade()
        daemon.collect("export")
        with daemon.app.store.engine.begin() as conn:  # as an upgrade that rebuilds facts
            conn.execute(text("UPDATE tickets SET facts_dirty = TRUE"))
        daemon.compute()
    finally:
        daemon.app.store.close()
    assert daemon.holder.current.ready
    if not tty:
        assert screen.text == ""
        return
    shown = [chunk.split("\r")[-1].replace("\x1b[K", "") for chunk in screen.text.split("\n")]
    assert any(s.startswith("1.csv  100% [") and "2,500 rows" in s for s in shown), shown
    assert any(s.startswith("facts  100% [") and "2,500 tickets" in s for s in shown), shown


def test_a_quick_pass_leaves_no_trace(board: Board) -> None:
    screen = _Screen(True)
    line = ProgressLine(screen, clock=lambda: 5.0)  # no time passes
    daemon = Daemon(load_config(board.cfg), env={}, progress=line)
    try:
        daemon.app.store.upgrade()
        daemon.collect("export")
        daemon.compute()
    finally:
        daemon.app.store.close()
    assert screen.text == ""
