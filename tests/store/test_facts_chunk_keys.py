"""The facts pass reads and clears the facts of one chunk of tickets by their `ticket_key`s:
keys in an unbroken run as a plain range, keys close together as a range filtered by their
list, keys far apart by lookups. Whatever the shape, exactly the chunk's tickets' facts are
read or dropped — never those of a ticket whose key lies among theirs (another source's, or
one not dirty, so not in the pass's chunk) — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from kpimon.store import Store
from kpimon.store import facts as store_facts
from kpimon.store import tables as t
from kpimon.store.writer import RawSql

# (source, id, ticket_key, dirty): "o"'s tickets have keys among "s"'s; T03 is not dirty.
TICKETS = [("s", "T01", 1, True), ("s", "T02", 2, True), ("s", "T03", 3, False),
           ("s", "T04", 4, True), ("o", "X01", 5, True), ("s", "T05", 10, True),
           ("o", "X02", 11, True), ("s", "T06", 12, True), ("s", "T07", 1000, True)]


@pytest.fixture
def store(db_url: str) -> Any:
    store = Store.open(db_url)
    store.upgrade()
    with store.engine.begin() as conn:
        conn.execute(insert(t.tickets), [
            {"source": s, "id": i, "ticket_key": k, "kind": "incident", "priority": "p3",
             "status": "resolved", "created": k, "deleted": False, "first_seen": 0,
             "last_seen": 0, "facts_dirty": dirty} for s, i, k, dirty in TICKETS])
        keys = [k for _, _, k, _ in TICKETS]
        conn.execute(insert(t.resolutions), [
            {"ticket_key": k, "resolved_at": 100 + k, "valid_from": 100 + k} for k in keys])
        conn.execute(insert(t.ticket_facts), [
            {"ticket_key": k, "clock": "office", "created_c": k} for k in keys])
        conn.execute(insert(t.resolution_facts), [
            {"ticket_key": k, "resolved_at": 50 + k, "clock": "office", "resolved_c": k}
            for k in keys])
    yield store
    store.close()


def _keys(conn: Connection, table: Any) -> set[int]:
    return set(conn.execute(select(table.c.ticket_key)).scalars())


CHUNKS = [
    pytest.param([1, 2, 3, 4], id="run"),
    pytest.param([12, 10], id="close"),
    pytest.param([1, 2, 3, 4, 10, 12, 1000], id="far-apart"),
]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_the_chunk_reads_its_own_facts(store: Store, chunk: list[int]) -> None:
    keys = set(chunk)
    with store.engine.begin() as conn:
        got = store_facts.facts_in(RawSql(conn), chunk)
    assert {r[0] for r in got["resolutions"]} == keys
    assert {r[1] for r in got["ticket_facts"]} == keys  # (clock first)
    assert {r[1] for r in got["resolution_facts"]} == keys
    assert got["ticket_facts"] == sorted(("office", k, k, None, None, None) for k in keys)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_the_chunk_drops_its_own_facts_of_one_table(store: Store, chunk: list[int]) -> None:
    with store.engine.begin() as conn:
        store_facts.delete_table_in(RawSql(conn), "ticket_facts", chunk)
        every = {k for _, _, k, _ in TICKETS}
        assert _keys(conn, t.ticket_facts) == every - set(chunk)
        assert _keys(conn, t.resolutions) == every


@pytest.mark.parametrize("chunk", [
    # The pass's chunks hold the dirty tickets only: T01, T02 (a run); T01, T02, T04 (T03
    # between them is not dirty); all of s's dirty ones, far apart.
    pytest.param([1, 2], id="run"),
    pytest.param([1, 2, 4], id="close"),
    pytest.param([1, 2, 4, 10, 12, 1000], id="far-apart"),
])
def test_the_pass_drops_the_facts_of_the_chunks_dirty_tickets(store: Store,
                                                              chunk: list[int]) -> None:
    with store.engine.begin() as conn:
        store_facts.delete_facts_in(RawSql(conn), chunk)
        every = {k for _, _, k, _ in TICKETS}
        for table in (t.resolutions, t.ticket_facts, t.resolution_facts):
            assert _keys(conn, table) == every - set(chunk)
