"""Retention (DESIGN §5): records older than the configured years go; open tickets, recent
records and each source's latest inventory stay."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from kpimon.records import Call, Device, StatusChange, Ticket
from kpimon.sources.base import Batch
from kpimon.store import Store
from kpimon.store import tables as t

OLD = datetime(2010, 1, 4, 9, tzinfo=UTC)
NEW = datetime(2020, 1, 6, 9, tzinfo=UTC)
BEFORE = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())


def _ticket(tid: str, created: datetime, status: str) -> Ticket:
    return Ticket("s", tid, "incident", "normal", status, created, updated=created,
                  resolved=created if status == "resolved" else None)


def _count(store: Store, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_purge_keeps_what_still_counts(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        store.upgrade()
        store.write_batch(1, 0, Batch("t", [
            _ticket("old-done", OLD, "resolved"), _ticket("old-open", OLD, "new"),
            _ticket("new-done", NEW, "resolved"),
            StatusChange("s", "old-done", OLD, None, "resolved"),
            Call("s", "q", "c-old", OLD, 10, "answered"),
            Call("s", "q", "c-new", NEW, 10, "answered")]), 0, source="s",
            derive_history=False)
        with store.engine.begin() as conn:  # what the facts pass would set
            conn.execute(t.tickets.update().where(t.tickets.c.status == "resolved")
                         .values(done_at=t.tickets.c.resolved))
        store.write_batch(2, 0, Batch("inv", [Device("inv", "PC1", OLD)], snapshot=True),
                          0, source="inv", derive_history=False, device_source=True)
        counts = store.purge(BEFORE)
        with store.engine.connect() as conn:
            ids = set(conn.execute(select(t.tickets.c.id)).scalars())
        assert ids == {"old-open", "new-done"}
        assert counts["tickets"] == 1 and counts["status_changes"] == 1
        assert _count(store, t.calls) == 1 and counts["calls"] == 1
        assert _count(store, t.device_snapshots) == 1  # the latest snapshot stays
    finally:
        store.close()
