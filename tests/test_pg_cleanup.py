"""`make test` drops the PostgreSQL schemas it creates, and only those: a test's schema goes
when the test ends; what a run that is gone left (killed before its teardown) goes at the
next run's start; a schema of a run that is still alive (its advisory lock held) stays, and so
does anything not tagged by a test run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PG_URL, PgRun, _pg_available


def _admin() -> object:
    import psycopg

    return psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True)


def _schemas() -> set[str]:
    with _admin() as conn:  # type: ignore[attr-defined]
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}


@pytest.fixture
def pg() -> None:
    problem = _pg_available()
    if problem:
        from tests.conftest import missing_service

        missing_service(f"PostgreSQL at {PG_URL}: {problem}")


_SEEN: list[str] = []  # the schema the test below was given (tests run in file order)


@pytest.mark.timeout(60)
def test_a_test_schema_exists_while_the_test_runs(pg: None, db_url: str) -> None:
    if "search_path" in db_url:  # the SQLite side has nothing to drop
        _SEEN.append(db_url.rsplit("%3D", 1)[1])
        assert _SEEN[-1] in _schemas()


@pytest.mark.timeout(60)
def test_and_is_gone_once_it_ended(pg: None) -> None:
    assert _SEEN, "the test above did not run on PostgreSQL"
    assert _SEEN[-1] not in _schemas()


@pytest.mark.timeout(120)
def test_a_dead_run_is_swept_a_live_one_and_untagged_ones_are_left(pg: None) -> None:
    # A run killed with SIGKILL before its teardown: its schema stays, its lock is gone.
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from tests.conftest import PgRun
        run = PgRun({PG_URL!r})
        print(run.create("SCHEMA", "t_"), flush=True)
        os.kill(os.getpid(), 9)
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    dead = killed.stdout.strip()
    assert killed.returncode == -9 and dead in _schemas()

    alive = PgRun(PG_URL)  # a run still going on beside us
    live = alive.create("SCHEMA", "t_")
    with _admin() as conn:  # type: ignore[attr-defined]
        conn.execute("CREATE SCHEMA t_untagged_kpimon")  # another program's, or an old run's
    try:
        sweeper = PgRun(PG_URL)
        dropped = sweeper.create("SCHEMA", "t_")  # the first create sweeps
        schemas = _schemas()
        assert dead not in schemas
        assert live in schemas and "t_untagged_kpimon" in schemas and dropped in schemas
        sweeper.finish()
        assert dropped not in _schemas()
    finally:
        alive.finish()
        with _admin() as conn:  # type: ignore[attr-defined]
            conn.execute("DROP SCHEMA IF EXISTS t_untagged_kpimon")
    assert live not in _schemas()
