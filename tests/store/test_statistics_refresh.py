"""On PostgreSQL the tables the period queries read get planner statistics (and a vacuum after
bulk changes) when they lack them, once: kpimon does not rely on autovacuum. SQLite is left
alone."""

from __future__ import annotations

import time

from sqlalchemy import insert, text

from kpimon.store import Store, statistics
from kpimon.store import tables as t


def test_tables_without_statistics_are_analyzed_once(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.upgrade()
        with store.engine.begin() as conn:
            conn.execute(insert(t.tickets), [
                {"source": "s", "id": f"T{n}", "kind": "incident", "priority": "normal",
                 "status": "new", "created": n, "deleted": False, "first_seen": n,
                 "last_seen": n, "facts_dirty": True} for n in range(3000)])
        if store.engine.dialect.name != "postgresql":
            assert statistics.refresh(store.engine) == {}
            return
        done: dict[str, str] = {}
        for _ in range(50):  # a session's counts reach pg_stat_user_tables within a second
            done = statistics.refresh(store.engine)
            if done:
                break
            time.sleep(0.1)
        assert done.get("tickets") == "VACUUM (ANALYZE)"
        with store.engine.connect() as conn:
            tuples = conn.execute(text(
                "SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass")).scalar_one()
        assert tuples == 3000  # the planner now knows the table's size
        assert "tickets" not in statistics.refresh(store.engine)
    finally:
        store.close()
