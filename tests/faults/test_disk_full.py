"""A full disk under the database loses nothing: the import that hits it rolls back whole, the
daemon stays up and keeps answering, and once there is room again the next collection takes
the file, all of it, with facts equal to a rebuild.

Two ways to fill the disk: a 3 MB tmpfs under the database, grown afterwards (needs root to
mount; skipped with the reason otherwise), and a file-size limit of 3 MB on the daemon
(RLIMIT_FSIZE, any user: writes past it fail with EFBIG), raised afterwards with prlimit."""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.harness import Daemon, NotifySocket, kpimon, source_block, write_config
from tests.faults.harness import count, facts_dump, metric, stop, write_bulk_csv
from tests.web.golden import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

N = 60_000  # about 28 MB of SQLite with its facts
SMALL = 3 * 1024 * 1024  # room for an empty database (0.3 MB), not for the import


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


class Tmpfs:
    """The database folder on a small tmpfs; `grow` remounts it larger."""

    symptom = "database or disk is full"  # SQLite's words for ENOSPC

    def __init__(self, tmp_path: Path):
        self.folder = tmp_path / "small"
        self.folder.mkdir()
        done = _mount("-t", "tmpfs", "-o", f"size={SMALL},mode=0700", "tmpfs",
                      str(self.folder))
        if done.returncode != 0:
            pytest.skip("cannot mount a small tmpfs here (the file-size limit case runs "
                        f"instead): {done.stderr.strip() or done.stdout}")

    def started(self, daemon: Daemon) -> None:
        pass

    def grow(self) -> None:
        done = _mount("-o", "remount,size=128m", str(self.folder))
        assert done.returncode == 0, done.stderr

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.folder)], capture_output=True, timeout=30)


class FileSizeLimit:
    """The database folder anywhere; the daemon may not write a file past SMALL bytes."""

    symptom = "disk I/O error"  # SQLite's words for EFBIG

    def __init__(self, tmp_path: Path):
        self.folder = tmp_path / "db"
        self.folder.mkdir()
        self.pid = 0

    def started(self, daemon: Daemon) -> None:
        # Right after the start: the migrations write 0.3 MB, far below the limit. The hard
        # limit stays, so raising the soft one later needs no privilege.
        self.pid = daemon.proc.pid
        _soft, hard = resource.prlimit(self.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (SMALL, hard))

    def grow(self) -> None:
        _soft, hard = resource.prlimit(self.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (hard, hard))

    def close(self) -> None:
        pass


@pytest.fixture(params=[Tmpfs, FileSizeLimit], ids=["tmpfs", "rlimit_fsize"])
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tmpfs]:
    disk = request.param(tmp_path)
    try:
        yield disk
    finally:
        disk.close()


def test_a_full_disk_loses_nothing(tmp_path: Path, small_disk: Tmpfs, notify: NotifySocket,
                                   start_daemon: Callable[..., Daemon]) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write_bulk_csv(drop / "bulk.csv", N)
    config = write_config(small_disk.folder, ("resp_30m", "first_line", "open_30d"),
                          sources=source_block("bulk", f'path = "{drop}/*.csv"'))
    config.write_text(config.read_text("utf-8").replace('every = "1h"', 'every = "2s"'),
                      encoding="utf-8")
    db = f"sqlite:///{small_disk.folder}/kpimon.db"
    daemon = start_daemon(config)
    small_disk.started(daemon)
    notify.wait_for("READY=1", timeout=60)
    wait_for(lambda: metric(daemon, "kpimon_source_up", source="bulk") == 0, 60,
             "the import failing on the full disk", interval=0.5)
    assert small_disk.symptom in daemon.log
    assert count(db, "SELECT count(*) FROM tickets WHERE source = 'bulk'") == 0
    assert daemon.get("/healthz")[0] == 200
    assert metric(daemon, "kpimon_source_up", source="export") == 1
    assert daemon.proc.poll() is None

    small_disk.grow()
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
