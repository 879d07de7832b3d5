"""PostgreSQL backup as docs/operations.md tells it: `pg_dump -Fc` while the daemon collects
and writes, then `pg_restore --no-owner` into a new, empty database; kpimon on the restored
database reports the same `kpis --format json` for every month, quarter and the year:

* a dump taken while tickets keep changing and the daemon keeps collecting them catches up
  from its stored watermark with one `kpimon collect`;
* a dump taken while the daemon runs after the source stopped changing gives the source's
  figures as they are, with nothing collected again.

Runs in databases of its own on the test server, dropped at the end.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.alerts.processes import KpimonRun, wait_until
from tests.conftest import PG_RUN, PG_URL, _pg_available, missing_service, need_tool
from tests.deploy.backup_scene import Changes, figures, keep_in_store_only, stored, write_config
from tests.deploy.harness import kpimon
from tests.sources.efecte_server import FakeEfecte

pytestmark = pytest.mark.slow


@pytest.fixture
def new_database() -> Iterator[Callable[[], tuple[str, str]]]:
    """Makes fresh databases: (SQLAlchemy URL, libpq URL) each; all dropped at the end."""
    problem = _pg_available()
    if problem:
        missing_service(f"PostgreSQL at {PG_URL}: {problem}")
    made: list[str] = []

    def make() -> tuple[str, str]:
        name = PG_RUN.create("DATABASE", "kpimon_backup_")
        made.append(name)
        base = re.sub(r"/[^/?]*(\?|$)", rf"/{name}\1", PG_URL.split("://", 1)[1], count=1)
        return f"postgresql+psycopg://{base}", f"postgresql://{base}"

    yield make
    for name in made:
        PG_RUN.drop("DATABASE", name)


def _dump(pg_dump: str, libpq: str, to: Path) -> None:
    run = subprocess.run([pg_dump, "-Fc", "-d", libpq, "-f", str(to)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def _restore(pg_restore: str, dump: Path, folder: Path, srv: FakeEfecte,
             database: tuple[str, str]) -> tuple[Path, str]:
    """The dump into a new, empty database, and a configuration that uses it."""
    url, libpq = database
    run = subprocess.run([pg_restore, "--no-owner", "--exit-on-error", "-d", libpq, str(dump)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    config = write_config(folder, url, srv)
    upgraded = kpimon("--config", str(config), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return config, url


@pytest.mark.timeout(300)
def test_pg_dump_while_the_daemon_writes(tmp_path: Path,
                                         new_database: Callable[[], tuple[str, str]]) -> None:
    pg_dump, pg_restore = need_tool("pg_dump"), need_tool("pg_restore")
    url, libpq = new_database()
    with FakeEfecte() as srv:
        changes = Changes(srv).start()
        config = write_config(tmp_path / "source", url, srv)
        # (No notify socket: nobody would read it, and a full one blocks the sender.)
        daemon = KpimonRun(config, tmp_path / "daemon.log")
        try:
            wait_until(lambda: re.search(r"source efecte: \d+ records", daemon.log),
                       timeout=60, what="the first collection")
            keep_in_store_only(config)

            # 1. While tickets change and the daemon collects them every second.
            before = changes.changes
            collected = daemon.log.count("source efecte: ")
            _dump(pg_dump, libpq, tmp_path / "busy.dump")
            wait_until(lambda: daemon.log.count("source efecte: ") > collected + 1,
                       timeout=30, what="collections after the dump")
            assert changes.changes > before

            # 2. The source stops changing; the daemon still runs and writes.
            changes.stop()
            expected = changes.expected()
            wait_until(lambda: stored(url) == expected, timeout=60,
                       what="the daemon catching up")
            time.sleep(2)
            _dump(pg_dump, libpq, tmp_path / "quiet.dump")
            at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
            want = figures(config, at)
            assert daemon.stop() == 0, daemon.log[-3000:]
        finally:
            changes.stop()
            daemon.kill()
        values = [i["value"] for p in want.values() for i in p["indicators"]]
        assert sum(v is not None for v in values) >= 20, want
        assert want["2026-03"].get("adopted") is True, want["2026-03"]

        quiet, _ = _restore(pg_restore, tmp_path / "quiet.dump", tmp_path / "restored-quiet",
                            srv, new_database())
        assert figures(quiet, at) == want

        busy, busy_url = _restore(pg_restore, tmp_path / "busy.dump",
                                  tmp_path / "restored-busy", srv, new_database())
        assert stored(busy_url) != expected  # the dump is older than the source's last state
        caught_up = kpimon("--config", str(busy), "collect")
        assert caught_up.returncode == 0, caught_up.stderr
        assert stored(busy_url) == expected
        assert figures(busy, at) == want
