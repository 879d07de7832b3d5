"""SQLite backup as docs/operations.md tells it: `sqlite3 kpimon.db ".backup FILE"` while the
daemon runs gives a consistent copy; restored in place of a lost database, kpimon reports the
same figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.deploy.harness import Daemon, NotifySocket, kpimon, write_config


def _kpis(config: Path) -> dict[str, object]:
    run = kpimon("--config", str(config), "kpis", "--period", "2020-03", "--at",
                 "2020-04-01T00:00", "--format", "json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.timeout(60)
def test_online_backup_then_restore(tmp_path: Path, notify: NotifySocket,
                                    start_daemon: Callable[..., Daemon]) -> None:
    sqlite3 = need_tool("sqlite3")
    config = write_config(tmp_path, ("resp_30m", "first_line", "open_30d"))
    db = tmp_path / "kpimon.db"
    daemon = start_daemon(config)
    notify.wait_for("READY=1", timeout=20)
    daemon.wait_for_log(r"source export: 3 records", timeout=20)
    before = _kpis(config)
    assert any(i["denominator"] for i in before["indicators"]), before  # type: ignore[index]

    backup = tmp_path / "backup" / "kpimon-2026-11-27.db"
    backup.parent.mkdir()
    run = subprocess.run([sqlite3, str(db), f".backup '{backup}'"], capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([sqlite3, str(backup), "PRAGMA integrity_check"],
                           capture_output=True, text=True, timeout=30)
    assert check.stdout.strip() == "ok", check.stdout + check.stderr
    assert daemon.stop() == 0

    for f in tmp_path.glob("kpimon.db*"):  # the database, its -wal and -shm are lost
        f.unlink()
    shutil.copy2(backup, db)
    upgraded = kpimon("--config", str(config), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    after = _kpis(config)
    assert after["indicators"] == before["indicators"]
