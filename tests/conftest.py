"""Shared fixtures: a database URL per test on SQLite and on PostgreSQL, and service checks.

PostgreSQL tests use `KPIMON_TEST_POSTGRES_URL` (default the machine's shared server) with a
schema of their own per test. A missing service skips the test with a reason, unless
`KPIMON_REQUIRE_SERVICES=1` (set by .ci/run) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kpimon.db"
        return
    problem = _pg_available()
    if problem:
        missing_service(f"PostgreSQL at {PG_URL}: {problem}")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    raw = PG_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def golden_dir() -> Path:
    if not (GOLDEN / "expected.json").is_file():
        missing_service(f"golden case set not found at {GOLDEN}")
    return GOLDEN
