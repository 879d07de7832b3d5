"""PostgreSQL's pool checks a connection that has been idle before handing it out, and replaces
it when its session has ended (a restarted server, an administrator's `pg_terminate_backend`):
the statement that follows succeeds. A connection returned a moment ago is handed out again
without the check's round trip (a compute checks out connections several times in a row)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from kpimon.store import Store, db
from tests.conftest import PG_URL

PINGS: list[int] = []


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connection pool")
    store = Store.open(db_url)
    real = store.engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        PINGS.append(1)
        return bool(real(dbapi_conn))

    monkeypatch.setattr(store.engine.dialect, "do_ping", counted)
    yield store.engine
    store.close()


def _pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_returned_a_moment_ago_is_not_checked(engine: Engine) -> None:
    first = _pid(engine)
    before = len(PINGS)
    assert [_pid(engine) for _ in range(5)] == [first] * 5  # the one returned last
    assert len(PINGS) == before
    time.sleep(db.PING_AFTER + 0.2)
    assert _pid(engine) == first
    assert len(PINGS) == before + 1


def test_an_idle_connection_whose_session_ended_is_replaced(engine: Engine) -> None:
    import psycopg

    old = _pid(engine)
    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old,))
    time.sleep(db.PING_AFTER + 0.2)
    new = _pid(engine)  # would raise "terminating connection" without the check
    assert new != old
