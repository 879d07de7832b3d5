"""Shared fixtures: a database URL per test on SQLite and on PostgreSQL, and service checks.

PostgreSQL tests use `KPIMON_TEST_POSTGRES_URL` (default the machine's shared server) with a
schema of their own per test. A missing service skips the test with a reason, unless
`KPIMON_REQUIRE_SERVICES=1` (set by .ci/run) turns the skip into a failure.

A run drops the PostgreSQL schemas (and databases) it creates, and only those: each test's
when it ends, any left (a teardown that did not run) when the session ends. Other runs may use
the same server at the same time, so what a run creates carries its run's key in a comment,
and the run holds an advisory lock on that key while it lives; a later run drops what a run
that is gone (killed, timed out hard) left, and nothing of a run whose lock is still held.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
# `make fuzz`: the parser fuzz tests (tests/sources/test_fuzz_*.py) at length.
settings.register_profile("fuzz", max_examples=int(os.environ.get("KPIMON_FUZZ_EXAMPLES", "2000")),
                          deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_URL = os.environ.get("KPIMON_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The golden case set lives beside the repository (../shared/golden); a copy is kept in
# tests/fixtures/golden for clones made elsewhere (test_golden_copy checks the two agree).
SHARED_GOLDEN = Path(__file__).resolve().parents[1].parent / "shared" / "golden"
GOLDEN_COPY = Path(__file__).resolve().parent / "fixtures" / "golden"
GOLDEN = Path(os.environ.get("KPIMON_GOLDEN_DIR") or (
    SHARED_GOLDEN if (SHARED_GOLDEN / "expected.json").is_file() else GOLDEN_COPY))


def require_services() -> bool:
    return os.environ.get("KPIMON_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    """Skip, or fail when the CI asks for every service."""
    if require_services():
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_service(f"{name} is not installed")
    return path  # type: ignore[return-value]


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                             connect_timeout=3):
            return None
    except Exception as e:  # pragma: no cover - depends on the machine
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


RUN_TAG = "kpimon-test run "


class PgRun:
    """The schemas and databases this test run creates on the shared PostgreSQL server.

    `create` makes one, tagged `kpimon-test run <key>`; `drop` removes it; `finish` (at the end
    of the session) drops whatever is left and releases the run's lock. The first `create`
    takes the run's advisory lock and sweeps what runs that no longer hold theirs left.
    """

    def __init__(self, url: str):
        self.raw = url.replace("postgresql+psycopg", "postgresql")
        self.key = secrets.randbits(62)
        self.created: dict[tuple[str, str], None] = {}  # (SCHEMA | DATABASE, name), in order
        self._holder: Any = None

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.raw, autocommit=True)

    def _start(self) -> None:
        if self._holder is not None:
            return
        self._holder = self._admin()
        self._holder.execute("SELECT pg_advisory_lock(%s)", (self.key,))
        self.sweep()

    def create(self, kind: str, prefix: str) -> str:
        """A new, empty schema (`SCHEMA`) or database (`DATABASE`) tagged with this run."""
        self._start()
        name = prefix + uuid.uuid4().hex[:12]
        with self._admin() as conn:
            conn.execute(f"CREATE {kind} {name}")  # type: ignore[arg-type]
        self.created[(kind, name)] = None
        self.tag(kind, name)
        return name

    def tag(self, kind: str, name: str) -> None:
        """Mark a schema or database as this run's (again, after a test re-created it)."""
        with self._admin() as conn:
            conn.execute(f"COMMENT ON {kind} {name} IS '{RUN_TAG}{self.key}'")  # type: ignore

    def drop(self, kind: str, name: str) -> None:
        extra = " CASCADE" if kind == "SCHEMA" else " WITH (FORCE)"
        with self._admin() as conn:
            conn.execute(f"DROP {kind} IF EXISTS {name}{extra}")  # type: ignore[arg-type]
        self.created.pop((kind, name), None)

    def sweep(self) -> list[str]:
        """Drop what runs that are gone left behind; returns the names dropped."""
        dropped = []
        with self._admin() as conn:
            tagged = conn.execute(
                "SELECT 'SCHEMA', n.nspname, d.description FROM pg_namespace n JOIN "
                "pg_description d ON d.objoid = n.oid AND d.classoid = "
                "'pg_namespace'::regclass WHERE d.description LIKE %s "
                "UNION ALL SELECT 'DATABASE', b.datname, d.description FROM pg_database b "
                "JOIN pg_shdescription d ON d.objoid = b.oid AND d.classoid = "
                "'pg_database'::regclass WHERE d.description LIKE %s",
                (RUN_TAG + "%", RUN_TAG + "%")).fetchall()
            for kind, name, tag in tagged:
                key = int(tag[len(RUN_TAG):]) if tag[len(RUN_TAG):].isdigit() else None
                if key is None or key == self.key:
                    continue
                # Free to take: the run that holds it is gone (a live one keeps it).
                if conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                    try:
                        extra = " CASCADE" if kind == "SCHEMA" else " WITH (FORCE)"
                        conn.execute(f"DROP {kind} IF EXISTS {name}{extra}")  # type: ignore
                        dropped.append(name)
                    finally:
                        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        return dropped

    def finish(self) -> None:
        if self._holder is None:
            return
        for kind, name in list(self.created):
            self.drop(kind, name)
        self._holder.close()
        self._holder = None


PG_RUN = PgRun(PG_URL)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    PG_RUN.finish()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kpimon.db"
        return
    problem = _pg_available()
    if problem:
        missing_service(f"PostgreSQL at {PG_URL}: {problem}")
    schema = PG_RUN.create("SCHEMA", "t_")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    PG_RUN.drop("SCHEMA", schema)


@pytest.fixture
def golden_dir() -> Path:
    if not (GOLDEN / "expected.json").is_file():
        missing_service(f"golden case set not found at {GOLDEN}")
    return GOLDEN
