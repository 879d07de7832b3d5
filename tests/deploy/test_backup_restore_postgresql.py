"""PostgreSQL backup as docs/operations.md tells it: `pg_dump -Fc`, then into a recreated
database with `pg_restore --no-owner`; kpimon reports the same figures afterwards. Runs in a
database of its own on the test server, dropped at the end."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_RUN, PG_URL, _pg_available, missing_service, need_tool
from tests.deploy.harness import kpimon, write_config


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def database() -> Iterator[tuple[str, str]]:
    """(SQLAlchemy URL, libpq URL) of a fresh database."""
    problem = _pg_available()
    if problem:
        missing_service(f"PostgreSQL at {PG_URL}: {problem}")
    name = PG_RUN.create("DATABASE", "kpimon_backup_")
    base = re.sub(r"/[^/?]*(\?|$)", rf"/{name}\1", PG_URL.split("://", 1)[1], count=1)
    yield f"postgresql+psycopg://{base}", f"postgresql://{base}"
    PG_RUN.drop("DATABASE", name)


def _kpis(config: Path) -> dict[str, object]:
    run = kpimon("--config", str(config), "kpis", "--period", "2020-03", "--at",
                 "2020-04-01T00:00", "--format", "json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.timeout(120)
def test_pg_dump_then_pg_restore(tmp_path: Path, database: tuple[str, str]) -> None:
    pg_dump, pg_restore = need_tool("pg_dump"), need_tool("pg_restore")
    url, libpq = database
    name = libpq.rsplit("/", 1)[1].split("?")[0]
    config = write_config(tmp_path, ("resp_30m", "first_line", "open_30d"))
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'database = "[^"]*"', f'database = "{url}"', text),
                      encoding="utf-8")
    collected = kpimon("--config", str(config), "collect")
    assert collected.returncode == 0, collected.stderr
    before = _kpis(config)
    assert any(i["denominator"] for i in before["indicators"]), before  # type: ignore[index]

    dump = tmp_path / "kpimon.dump"
    run = subprocess.run([pg_dump, "-Fc", "-d", libpq, "-f", str(dump)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    _admin(f"DROP DATABASE {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    PG_RUN.tag("DATABASE", name)  # still this run's, to drop at its end
    run = subprocess.run([pg_restore, "--no-owner", "--exit-on-error", "-d", libpq, str(dump)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert _kpis(config)["indicators"] == before["indicators"]
