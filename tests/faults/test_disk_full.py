"""A full disk under the database loses nothing: the import that hits it rolls back whole, the
daemon stays up and keeps answering, and once there is room again the next collection takes
the file, all of it, with facts equal to a rebuild.

The database lives on a small tmpfs mounted for the test (root only); where mounting is not
allowed the test is skipped with the reason."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, kpimon, source_block, write_config
from tests.faults.harness import count, facts_dump, metric, stop, write_bulk_csv
from tests.web.golden import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

N = 60_000  # about 28 MB of SQLite with its facts


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: room for an empty database, not for the large import."""
    where = tmp_path / "small"
    where.mkdir()
    done = _mount("-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.stdout}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


def test_a_full_disk_loses_nothing(tmp_path: Path, small_disk: Path, notify: NotifySocket,
                                   start_daemon: Callable[..., Daemon]) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write_bulk_csv(drop / "bulk.csv", N)
    config = write_config(small_disk, ("resp_30m", "first_line", "open_30d"),
                          sources=source_block("bulk", f'path = "{drop}/*.csv"'))
    config.write_text(config.read_text("utf-8").replace('every = "1h"', 'every = "2s"'),
                      encoding="utf-8")
    db = f"sqlite:///{small_disk}/kpimon.db"
    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=60)
    wait_for(lambda: metric(daemon, "kpimon_source_up", source="bulk") == 0, 60,
             "the import failing on the full disk", interval=0.5)
    assert "full" in daemon.log
    assert count(db, "SELECT count(*) FROM tickets WHERE source = 'bulk'") == 0
    assert daemon.get("/healthz")[0] == 200
    assert metric(daemon, "kpimon_source_up", source="export") == 1
    assert daemon.proc.poll() is None

    grown = _mount("-o", "remount,size=128m", str(small_disk))
    assert grown.returncode == 0, grown.stderr
    wait_for(lambda: metric(daemon, "kpimon_source_up", source="bulk") == 1, 90,
             "the import once there is room", interval=0.5)
    assert count(db, "SELECT count(*) FROM tickets WHERE source = 'bulk'") == N
    wait_for(lambda: count(db, "SELECT count(*) FROM tickets WHERE facts_dirty") == 0, 120,
             "the facts pass", interval=0.5)
    assert stop(daemon) == 0
    before = facts_dump(db)
    done = kpimon("--config", str(config), "recompute", timeout=240)
    assert done.returncode == 0, done.stderr
    assert facts_dump(db) == before
