"""SIGTERM, as `systemctl stop` sends it: STOPPING=1 and exit code 0 within 10 s."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, write_config


@pytest.mark.timeout(40)
def test_sigterm_sends_stopping_and_exits_0(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    daemon = start_daemon(write_config(tmp_path))
    notify.wait_for("READY=1", timeout=20)
    notify.wait_for("WATCHDOG=1", timeout=5)

    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    notify.wait_for("STOPPING=1", timeout=10)
    try:
        code = daemon.proc.wait(10 - (time.monotonic() - started))
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running 10 s after SIGTERM; log:\n{daemon.log}")
    assert code == 0, daemon.log
    assert "Traceback" not in daemon.log
