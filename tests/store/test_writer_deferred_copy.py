"""`RawSql.insert_deferred` queues rows for one larger COPY on PostgreSQL: nothing reaches the
table before `flush()` (or before the queue holds DEFERRED_COPY_ROWS rows), and everything
does after it, in the caller's transaction; on SQLite the rows go in at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kpimon.store import Store, writer
from kpimon.store import tables as t
from kpimon.store.writer import RawSql

COLUMNS = ("ticket_key", "clock", "created_c", "response_c")


def _columns(first: int, count: int) -> list[list[object]]:
    return [list(range(first, first + count)), ["office"] * count, list(range(count)),
            [None] * count]


def test_rows_wait_for_flush_then_commit_with_the_transaction(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "DEFERRED_COPY_ROWS", 50)
    store = Store.open(db_url)
    try:
        store.upgrade()
        count = select(func.count()).select_from(t.ticket_facts)
        with store.engine.begin() as conn:
            sql = RawSql(conn)
            sql.insert_deferred("ticket_facts", COLUMNS, _columns(0, 30))
            queued = 0 if db_url.startswith("postgresql") else 30
            assert conn.execute(count).scalar_one() == queued
            sql.insert_deferred("ticket_facts", COLUMNS, _columns(30, 30))  # 60 >= 50: sent
            assert conn.execute(count).scalar_one() == 60
            sql.insert_deferred("ticket_facts", COLUMNS, _columns(60, 10))
            assert conn.execute(count).scalar_one() == (60 if queued == 0 else 70)
            sql.flush()
            assert conn.execute(count).scalar_one() == 70
            sql.flush()  # nothing left to send
        with store.engine.connect() as conn:
            assert conn.execute(count).scalar_one() == 70
            assert conn.execute(select(t.ticket_facts.c.ticket_key).order_by(
                t.ticket_facts.c.ticket_key)).scalars().all() == list(range(70))
    finally:
        store.close()
