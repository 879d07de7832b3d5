"""A SQLite store locked by another program past the busy timeout is an outage the daemon
shows: the collection that could not write is a failed run (kept in memory while the store
refuses it, stored once it is free), `kpimon_source_up` goes 0, the failed compute counts in
`kpimon_compute_failures_total`; once the lock is gone the source is up again and
`kpimon_compute_last_success_timestamp_seconds` moves on."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, env_for_child, metric_value, write_config


def _until(daemon: Daemon, notify: NotifySocket, what: str, check: Callable[[str], bool],
           timeout: float = 40.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metrics = daemon.metrics()
        if check(metrics):
            return metrics
        while notify.receive(0.01) is not None:  # as systemd does: a full queue would block
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} not seen within {timeout} s; log:\n{daemon.log}")


@pytest.mark.timeout(120)
def test_a_locked_store_shows_the_outage(tmp_path: Path, notify: NotifySocket,
                                         start_daemon: Callable[..., Daemon]) -> None:
    config = write_config(tmp_path, ("resp_30m",), top='compute_every = "1s"\n')
    config.write_text(config.read_text(encoding="utf-8").replace('every = "1h"',
                                                                 'every = "1s"'),
                      encoding="utf-8")
    daemon = start_daemon(config, env=env_for_child(KPIMON_SQLITE_BUSY_TIMEOUT="1"))
    notify.wait_for("READY=1", timeout=20)

    def up(m: str) -> bool:
        return metric_value(m, "kpimon_source_up", source="export") == 1

    first = _until(daemon, notify, "the source up", up)
    computed = metric_value(first, "kpimon_compute_last_success_timestamp_seconds")
    assert computed is not None and computed > 0
    assert metric_value(first, "kpimon_compute_failures_total") == 0

    locker = sqlite3.connect(tmp_path / "kpimon.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another program writing, for longer than the timeout
    try:
        down = _until(daemon, notify, "the source down and a failed compute", lambda m: (
            metric_value(m, "kpimon_source_up", source="export") == 0
            and (metric_value(m, "kpimon_compute_failures_total") or 0) >= 1))
        assert metric_value(down, "kpimon_compute_last_success_timestamp_seconds") >= computed
    finally:
        locker.rollback()
        locker.close()
    again = _until(daemon, notify, "the source up again", lambda m: up(m) and (
        metric_value(m, "kpimon_compute_last_success_timestamp_seconds") or 0) > computed)
    assert metric_value(again, "kpimon_compute_failures_total") >= 1
    assert "database is locked" in daemon.log
    assert daemon.stop() == 0
    with sqlite3.connect(tmp_path / "kpimon.db") as conn:
        errors = [e for (e,) in conn.execute(
            "SELECT error FROM collection_runs WHERE source = 'export' AND ok = 0")]
    assert any("database is locked" in (e or "") for e in errors), errors
