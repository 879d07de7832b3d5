"""A reload that fails changes nothing: with `every = "1000000000d"` on the source, or a new
database that cannot be opened, SIGHUP logs the failure and the old configuration keeps
running whole — its collect job still picks up new files, its indicators are still served."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import CSV, Daemon, NotifySocket, metric_value, write_config

HEADER = CSV.splitlines()[0]
ROW = ("{id};Incident;3. Normal;02 - Pågår;2020-03-06 08:00;;;;;;Servicedesk;Laxå;;"
       "2020-03-06 08:00")


def _records(daemon: Daemon) -> float:
    return metric_value(daemon.metrics(), "kpimon_source_records_total",
                        source="export") or 0.0


def _wait_records(daemon: Daemon, at_least: float, timeout: float = 20.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = _records(daemon)
        if n >= at_least:
            return n
        time.sleep(0.3)
    raise AssertionError(f"the collection stopped: records {_records(daemon)} < {at_least};"
                         f" log:\n{daemon.log}")


@pytest.mark.timeout(90)
def test_a_failed_reload_keeps_the_old_schedule_running(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.csv").write_text(CSV, encoding="utf-8")
    config = write_config(tmp_path, ("resp_30m",))
    good = config.read_text(encoding="utf-8").replace(
        f'path = "{tmp_path / "export.csv"}"', f'path = "{drop}/*.csv"').replace(
        'every = "1h"', 'every = "1s"')
    config.write_text(good, encoding="utf-8")
    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=20)
    seen = _wait_records(daemon, 3)

    broken = {
        "every": good.replace('every = "1s"', 'every = "1000000000d"'),
        "database": good.replace(f'database = "sqlite:///{tmp_path}/kpimon.db"',
                                 'database = "sqlite:////proc/kpimon-no-such/kpimon.db"'),
    }
    for n, (what, text) in enumerate(broken.items(), start=4):
        config.write_text(text, encoding="utf-8")
        daemon.signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1", timeout=10)
        ready = notify.wait_for("READY=1", timeout=20)
        assert any("reload FAILED" in line for line in ready), what
        metrics = daemon.metrics()
        assert metric_value(metrics, "kpimon_config_last_reload_successful") == 0, what
        assert metric_value(metrics, "kpimon_indicator_value", indicator="resp_30m",
                            period="month") is not None, what
        # The old collect job still runs: a new file is taken within seconds.
        (drop / f"t{n}.csv").write_text(f"{HEADER}\n{ROW.format(id=f'T{n}')}\n",
                                        encoding="utf-8")
        seen = _wait_records(daemon, seen + 1)
    assert "at most 3650d" in daemon.log
    assert "keeping the old configuration" in daemon.log
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0
