"""The watchdog is fed only while the scheduler really runs jobs: its heartbeat job keeps
`scheduler_alive()` true, and a scheduler that stops running jobs turns it false."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kpimon.config import load_config
from kpimon.daemon import Daemon
from tests.deploy.harness import write_config


def _until(predicate: object, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.timeout(30)
def test_heartbeat_stops_when_the_scheduler_stops_running_jobs(tmp_path: Path) -> None:
    daemon = Daemon(load_config(write_config(tmp_path)), env={"WATCHDOG_USEC": "1000000"})
    assert daemon.notifier.watchdog == 1.0
    try:
        daemon.start_scheduler()
        time.sleep(1.0)
        assert daemon.scheduler_alive()
        daemon.scheduler.pause()  # the scheduler thread lives on but runs nothing
        assert _until(lambda: not daemon.scheduler_alive(), 5.0)
        daemon.scheduler.resume()
        assert _until(daemon.scheduler_alive, 5.0)
    finally:
        daemon.scheduler.shutdown(wait=True)
        daemon.app.store.close()


def test_watchdog_meant_for_another_process_is_ignored(tmp_path: Path) -> None:
    from kpimon.daemon import Notifier

    other = str(os.getpid() + 1)
    assert Notifier({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": other}).watchdog is None
    assert Notifier({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid())}).watchdog == 1
    assert Notifier({"WATCHDOG_USEC": "0"}).watchdog is None
    assert Notifier({}).watchdog is None
    assert Notifier({"NOTIFY_SOCKET": "@abstract"}).addr == "\0abstract"
