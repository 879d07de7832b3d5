"""The dirty tickets are found through the partial index `ix_tickets_dirty` on both databases:
the data version (read by every evaluation) and the facts check's forgetting of settled months
(every compute) count them without reading every ticket. A condition written differently from
the index's own (`facts_dirty = 1`, `IS 1`, `IS true`) scans the whole table: 0.25–0.4 s a
statement at a million tickets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, insert

from kpimon.store import Store
from kpimon.store import settled as stored
from kpimon.store import tables as t
from tests.query_plans import plan as query_plan


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    s.upgrade()
    now = 1_700_000_000
    with s.engine.begin() as conn:
        conn.execute(insert(t.tickets), [
            {"source": "s", "id": f"T{n:03}", "kind": "incident", "priority": "normal",
             "status": "new", "created": now + n, "deleted": False, "first_seen": now,
             "last_seen": now, "facts_dirty": n % 50 == 0} for n in range(200)])
        # A stored month, so that the facts check goes on to count the dirty tickets.
        conn.execute(insert(t.settled_sums).values(
            month_start=now - 86400, month_end=now + 86400, ind_key="k", bucket="", a=0.0, b=0,
            as_of=now, created_n=0, resolved_n=0))
    yield s
    s.close()


def _reading_dirty(store: Store, run: Any) -> list[tuple[str, Any]]:
    """The statements `run(conn)` executes that select by the dirty flag."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any,
                _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "facts_dirty" in statement:
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.engine.begin() as conn:
            run(conn)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    return seen


def _full_scan(line: str) -> bool:
    """A plan line that reads every ticket (SQLite: a scan of the table itself, or through an
    index other than the dirty one, which holds every ticket)."""
    if line.startswith("SCAN tickets"):
        return "ix_tickets_dirty" not in line
    return "Seq Scan on tickets" in line


def _check_by_index(store: Store, statements: list[tuple[str, Any]]) -> None:
    assert statements
    with store.engine.begin() as conn:
        for statement, params in statements:
            plan = query_plan(conn, statement, params)
            assert any("ix_tickets_dirty" in line for line in plan), (statement, plan)
            assert not any(_full_scan(line) for line in plan), (statement, plan)


def test_the_data_version_counts_dirty_tickets_by_index(store: Store) -> None:
    versions: list[tuple[Any, ...]] = []
    statements = _reading_dirty(store, lambda conn: versions.append(store.data_version(conn)))
    assert versions[0][4] == 4  # T000, T050, T100, T150
    _check_by_index(store, statements)


def test_the_facts_check_reads_dirty_tickets_by_index(store: Store) -> None:
    statements = _reading_dirty(store, stored.forget_dirty)
    assert len(statements) >= 2  # the count, then the dirty tickets' instants
    _check_by_index(store, statements)
