"""SQLite backup as docs/operations.md tells it: `sqlite3 kpimon.db ".backup FILE"` while the
daemon collects and writes gives a consistent copy, and a restore reports the same
`kpis --format json` for every month, quarter and the year as the database it came from:

* a backup taken while tickets keep changing and the daemon keeps collecting them, restored
  into a new place, catches up from its stored watermark with one `kpimon collect`;
* a backup taken while the daemon runs (collection runs, results) after the source stopped
  changing gives the source's figures as it is, with nothing collected again.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.alerts.processes import KpimonRun, wait_until
from tests.conftest import need_tool
from tests.deploy.backup_scene import Changes, figures, keep_in_store_only, stored, write_config
from tests.deploy.harness import kpimon
from tests.sources.efecte_server import FakeEfecte

pytestmark = pytest.mark.slow


def _backup(sqlite3: str, db: Path, to: Path) -> None:
    run = subprocess.run([sqlite3, str(db), f".backup '{to}'"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([sqlite3, str(to), "PRAGMA integrity_check"],
                           capture_output=True, text=True, timeout=60)
    assert check.stdout.strip() == "ok", check.stdout + check.stderr


def _restore(backup: Path, folder: Path, srv: FakeEfecte) -> Path:
    """The backup as the database of a new installation (the documented restore: the file in
    place of the database, no -wal or -shm beside it), migrated forward."""
    db = folder / "kpimon.db"
    config = write_config(folder, f"sqlite:///{db}", srv)
    shutil.copy2(backup, db)
    assert not (folder / "kpimon.db-wal").exists()
    upgraded = kpimon("--config", str(config), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return config


@pytest.mark.timeout(300)
def test_online_backup_while_the_daemon_writes(tmp_path: Path) -> None:
    sqlite3 = need_tool("sqlite3")
    source = tmp_path / "source"
    with FakeEfecte() as srv:
        changes = Changes(srv).start()
        config = write_config(source, f"sqlite:///{source / 'kpimon.db'}", srv)
        # (No notify socket: nobody would read it, and a full one blocks the sender.)
        daemon = KpimonRun(config, tmp_path / "daemon.log")
        try:
            _scenario(sqlite3, tmp_path, srv, changes, config, daemon)
        finally:
            changes.stop()
            daemon.kill()


def _scenario(sqlite3: str, tmp_path: Path, srv: FakeEfecte, changes: Changes, config: Path,
              daemon: KpimonRun) -> None:
    source = config.parent
    wait_until(lambda: re.search(r"source efecte: \d+ records", daemon.log), timeout=60,
               what="the first collection")
    keep_in_store_only(config)

    # 1. While tickets change and the daemon collects them every second.
    before = changes.changes
    collected = daemon.log.count("source efecte: ")
    _backup(sqlite3, source / "kpimon.db", tmp_path / "busy.db")
    wait_until(lambda: daemon.log.count("source efecte: ") > collected + 1, timeout=30,
               what="collections after the backup")
    assert changes.changes > before  # the source did change around the backup

    # 2. The source stops changing; the daemon still runs (runs, results, snapshots).
    changes.stop()
    expected = changes.expected()
    wait_until(lambda: stored(f"sqlite:///{source / 'kpimon.db'}") == expected, timeout=60,
               what="the daemon catching up")
    time.sleep(2)
    _backup(sqlite3, source / "kpimon.db", tmp_path / "quiet.db")
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    want = figures(config, at)
    assert daemon.stop() == 0, daemon.log[-3000:]
    values = [i["value"] for p in want.values() for i in p["indicators"]]
    assert sum(v is not None for v in values) >= 20, want  # figures worth comparing
    march = want["2026-03"]
    assert march.get("adopted") is True, march  # what only the store knows
    assert [i["value"] for i in march["indicators"] if i["id"] == "budget"] == [12.5], march

    quiet = _restore(tmp_path / "quiet.db", tmp_path / "restored-quiet", srv)
    assert figures(quiet, at) == want

    busy = _restore(tmp_path / "busy.db", tmp_path / "restored-busy", srv)
    restored = f"sqlite:///{tmp_path / 'restored-busy' / 'kpimon.db'}"
    assert stored(restored) != expected  # the backup is older than the source's last state
    caught_up = kpimon("--config", str(busy), "collect")
    assert caught_up.returncode == 0, caught_up.stderr
    assert stored(restored) == expected
    assert figures(busy, at) == want
