"""SIGHUP with a good new config: RELOADING=1, then READY=1, and /metrics serves the new
indicator with kpimon_config_last_reload_successful 1."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, metric_value, write_config


@pytest.mark.timeout(40)
def test_sighup_reloads_a_good_config(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    config = write_config(tmp_path, ("resp_30m",))
    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=20)
    before = daemon.metrics()
    assert metric_value(before, "kpimon_indicator_value", indicator="first_line",
                        period="month") is None

    write_config(tmp_path, ("resp_30m", "first_line"))
    daemon.signal(signal.SIGHUP)
    notify.wait_for("RELOADING=1", timeout=10)
    ready = notify.wait_for("READY=1", timeout=15)
    assert "STATUS=running" in ready

    after = daemon.metrics()
    for ident in ("resp_30m", "first_line"):
        assert metric_value(after, "kpimon_indicator_value", indicator=ident,
                            period="month") is not None, ident
    assert metric_value(after, "kpimon_config_last_reload_successful") == 1
    assert "configuration reloaded" in daemon.log
    assert daemon.stop() == 0
