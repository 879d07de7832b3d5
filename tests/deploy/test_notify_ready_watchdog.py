"""`kpimon run` under a notify socket, as Type=notify starts it: READY=1 once the first snapshot
is computed, then WATCHDOG=1 well within WATCHDOG_USEC."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, metric_value, write_config


@pytest.mark.timeout(40)
def test_ready_after_first_compute_then_watchdog(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    daemon = start_daemon(write_config(tmp_path), watchdog_usec=2_000_000)
    notify.wait_for("READY=1", timeout=20)
    assert not any("WATCHDOG=1" in m for m in notify.messages[:-1]), "watchdog before READY"

    # READY=1 means the first snapshot is in: /readyz is green and every series exists.
    status, body = daemon.get("/readyz")
    assert status == 200, body
    metrics = daemon.metrics()
    assert metric_value(metrics, "kpimon_indicator_value", indicator="resp_30m",
                        period="month") is not None
    assert metric_value(metrics, "kpimon_config_last_reload_successful") == 1

    # WATCHDOG=1 keeps coming, each well inside the 2 s systemd would allow.
    pings: list[float] = []
    end = time.monotonic() + 3.0
    while (left := end - time.monotonic()) > 0:
        msg = notify.receive(left)
        if msg and "WATCHDOG=1" in msg:
            pings.append(time.monotonic())
    assert len(pings) >= 4, notify.messages
    assert max(b - a for a, b in zip(pings, pings[1:], strict=False)) < 1.5

    assert daemon.stop() == 0
