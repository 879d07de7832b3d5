"""SIGHUP with a broken configuration (a TOML syntax error, an unknown key, a bad value, the
file gone) changes nothing: the error is logged, `kpimon_config_last_reload_successful` drops to
0, and the old configuration goes on collecting and computing; the good file and another SIGHUP
recover.

Real processes: `kpimon run` on a drop folder, files dropped while the reloads fail."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, source_block, write_config
from tests.faults.harness import TOP, count, metric, stop, write_bulk_csv
from tests.web.golden import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

BROKEN = {
    "syntax": lambda good: good + "\n[[sources]\nname = \n",
    "unknown key": lambda good: good.replace("[http]\n", "[http]\ncolour = \"red\"\n"),
    "bad value": lambda good: good.replace('every = "1s"', 'every = "often"', 1),
    "missing": None,
}


def test_a_broken_reload_keeps_the_old_configuration_working(
        tmp_path: Path, notify: NotifySocket, start_daemon: Callable[..., Daemon]) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write_bulk_csv(drop / "first.csv", 3, prefix="A")
    config = write_config(tmp_path, ("resp_30m",), top=TOP,
                          sources=source_block("drop", f'path = "{drop}/*.csv"'))
    good = config.read_text("utf-8").replace('every = "1h"', 'every = "1s"')
    config.write_text(good, encoding="utf-8")
    db = f"sqlite:///{tmp_path}/kpimon.db"

    def dropped() -> int:
        return count(db, "SELECT count(*) FROM tickets WHERE source = 'drop'")

    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=60)
    wait_for(lambda: dropped() == 3, 30, "the first file", interval=0.3)

    for i, (why, broken) in enumerate(BROKEN.items()):
        if broken is None:
            config.unlink()
        else:
            config.write_text(broken(good), encoding="utf-8")
        daemon.signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1", timeout=20)
        notify.wait_for("READY=1", timeout=30)
        assert metric(daemon, "kpimon_config_last_reload_successful") == 0, why
        assert daemon.proc.poll() is None, why
        # The old configuration still collects: a new file comes in ...
        write_bulk_csv(drop / f"more{i}.csv", 3, prefix=f"M{i}")
        wait_for(lambda n=3 * (i + 2): dropped() == n, 30, f"a file after the {why} reload",
                 interval=0.3)
        # ... and still computes: the figures follow it.
        wait_for(lambda n=3 * (i + 2): metric(daemon, "kpimon_indicator_denominator",
                                              indicator="resp_30m", period="year") is not None
                 and (metric(daemon, "kpimon_source_records_total", source="drop") or 0) >= n,
                 30, f"a compute after the {why} reload", interval=0.3)
    assert "reload FAILED" in daemon.log or "keeping the old" in daemon.log

    config.write_text(good, encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    notify.wait_for("RELOADING=1", timeout=20)
    notify.wait_for("READY=1", timeout=30)
    wait_for(lambda: metric(daemon, "kpimon_config_last_reload_successful") == 1, 20,
             "a successful reload", interval=0.3)
    assert stop(daemon) == 0
