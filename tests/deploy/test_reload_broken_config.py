"""SIGHUP with a broken config: the errors are logged, kpimon_config_last_reload_successful
drops to 0, the old indicators stay served; fixing the file and another SIGHUP recovers."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, metric_value, write_config


@pytest.mark.timeout(40)
def test_sighup_keeps_the_old_config_when_the_new_one_is_broken(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    config = write_config(tmp_path, ("resp_30m",))
    good = config.read_text(encoding="utf-8")
    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=20)

    config.write_text(good + '\n[[indicators]]\nid = "bad"\nkind = "no_such_kind"\n'
                      'colour = "red"\n', encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    notify.wait_for("RELOADING=1", timeout=10)
    ready = notify.wait_for("READY=1", timeout=15)
    assert any("reload FAILED" in line for line in ready)  # systemctl status shows it

    metrics = daemon.metrics()
    assert metric_value(metrics, "kpimon_config_last_reload_successful") == 0
    assert metric_value(metrics, "kpimon_indicator_value", indicator="resp_30m",
                        period="month") is not None
    assert metric_value(metrics, "kpimon_indicator_value", indicator="bad",
                        period="month") is None
    log = daemon.wait_for_log(r"keeping the old one:\n(?:.*\n)*.*indicators\[1\]\.colour")
    assert "indicators[1].kind" in daemon.log, log
    assert daemon.proc.poll() is None  # still running

    config.write_text(good, encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    notify.wait_for("RELOADING=1", timeout=10)
    notify.wait_for("READY=1", timeout=15)
    assert metric_value(daemon.metrics(), "kpimon_config_last_reload_successful") == 1
    assert daemon.stop() == 0
