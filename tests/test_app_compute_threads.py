"""Every compute evaluates the month and the year on the same two long-lived threads: no new
threads per compute, whose fresh malloc arenas made the daemon's resident memory creep up
cycle after cycle (BENCHMARKS.md, Scrape, Memory). A forked child starts threads of its own.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kpimon.app import App
from kpimon.config import load_config
from kpimon.kpi.engine import Evaluation
from kpimon.periods import Period
from kpimon.timeutil import parse_time
from tests.fixtures.board.kit import Board, T

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""

COMPUTES = 6


def test_computes_reuse_two_evaluation_threads(tmp_path: Path, db_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    board = Board(tmp_path, db_url, capsys)
    board.configure(INDICATORS)
    board.export("1.csv", [T(f"R{n}", f"2020-03-{5 + n % 20:02d} 09:00", status="in_progress",
                             response=f"2020-03-{5 + n % 20:02d} 09:{10 + n % 40:02d}",
                             line="", solution="") for n in range(40)])
    board.collect()
    app = App.build(load_config(board.cfg))
    seen: set[threading.Thread] = set()  # the Thread objects stay referenced, so distinct
    evaluate = app.engine.evaluate

    def recording(period: Period, at: datetime, *args: Any, **kwargs: Any) -> Evaluation:
        seen.add(threading.current_thread())
        return evaluate(period, at, *args, **kwargs)

    app.engine.evaluate = recording  # type: ignore[method-assign]
    at = parse_time("2020-03-28 12:00", app.config.tz)
    try:
        first = app.compute(at, save=False)
        threads_after_first = threading.active_count()
        for _ in range(COMPUTES - 1):
            again = app.compute(at, save=False)
            assert {n: ev.indicators for n, ev in again.items()} == \
                {n: ev.indicators for n, ev in first.items()}
        assert threading.active_count() == threads_after_first
    finally:
        app.store.close()
    assert all(t is not threading.main_thread() for t in seen)
    assert len(seen) <= 2, f"{len(seen)} evaluation threads over {COMPUTES} computes"


def test_a_forked_child_evaluates_on_threads_of_its_own() -> None:
    from kpimon import app as app_module

    parent = app_module._evaluators()
    assert parent.submit(threading.get_ident).result(timeout=10)
    pid = os.fork()
    if pid == 0:  # the child: its parent's threads are not there to run anything
        ok = False
        try:
            own = app_module._evaluators()
            ok = own is not parent and own.submit(lambda: 2).result(timeout=10) == 2
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
