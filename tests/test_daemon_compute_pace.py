"""A compute cycle slower than `compute_every` never piles up runs or warnings: the next
periodic compute is armed when one ends, and one warning says that the cycle sets the pace."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kpimon.config import load_config
from kpimon.daemon import Daemon
from tests.fixtures.board.kit import Board

INDICATORS = """
[[indicators]]
id = "resp_30m"
kind = "response_within"
threshold = "30m"
"""


@pytest.mark.timeout(60)
def test_a_slow_compute_delays_the_next_without_skips(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    board = Board(tmp_path, f"sqlite:///{tmp_path}/kpimon.db", capsys)
    board.configure(INDICATORS, top='compute_every = "1s"')
    daemon = Daemon(load_config(board.cfg), env={})
    running = 0
    overlaps = 0
    ends: list[float] = []
    starts: list[float] = []
    lock = threading.Lock()

    def slow_compute(now: datetime, **_: Any) -> dict[str, Any]:
        nonlocal running, overlaps
        with lock:
            running += 1
            overlaps += running > 1
        starts.append(time.monotonic())
        time.sleep(1.6)  # each cycle takes longer than compute_every (1 s)
        ends.append(time.monotonic())
        with lock:
            running -= 1
        return {}

    daemon.app.store.upgrade()
    daemon.app.compute = slow_compute  # type: ignore[method-assign]
    caplog.set_level(logging.INFO)
    daemon.start_scheduler()
    try:
        time.sleep(7.5)
    finally:
        daemon.stop_event.set()
        daemon._stop()
        daemon.app.store.close()
    assert overlaps == 0
    # Started at 1 s, then 1 s after each end: 1, 3.6, 6.2 (3 runs), never every second.
    assert 2 <= len(starts) <= 3, starts
    for end, start in zip(ends, starts[1:], strict=False):
        assert start - end >= 0.9, (end, start)
    skipped = [r for r in caplog.records if r.name.startswith("apscheduler")
               and r.levelno >= logging.WARNING]
    assert skipped == [], [r.getMessage() for r in skipped]
    slow = [r for r in caplog.records if "longer than compute_every" in r.getMessage()]
    assert len(slow) == 1, [r.getMessage() for r in caplog.records]
