"""The facts pass's SQL (kpi/facts.py computes the values): chunked reads and bulk writes.

Everything here runs on the raw driver cursor of the caller's open transaction (the layering
rule, tests/test_layers.py, lets a hot path inside `store/` use the driver): the pass rewrites
a few rows per changed ticket, a million after a large import, where SQLAlchemy's per-row
work would cost more than the database itself. Shape of a pass, per chunk of dirty tickets in
key order:

* `dirty_chunk` reads the next chunk by keyset (`(source, id) > last`, the partial index
  `ix_tickets_dirty`), plain tuples; `every_chunk` the next chunk of all tickets with what
  they hold of their facts, for a pass over every ticket (`kpimon recompute`), which then
  rewrites only the tickets whose derived values change;
* `history_in` reads the status history of the chunk's dirty tickets of one source, one range
  read (a join from the dirty tickets of the id range, so it costs the same whether the chunk
  is dense, after an import, or sparse, after a small collection);
* `delete_facts_in` drops the facts the chunk's tickets had (nothing for new tickets); the
  facts tables refer to a ticket by its `ticket_key`, so a chunk's facts are read and dropped
  by the range of its keys when they lie close together (after an import) and by one lookup
  per ticket when they do not (`_of_keys`);
* `insert_columns` writes column lists: SQLite multi-row INSERTs, PostgreSQL COPY (the batch
  writer's, `RawSql.insert`);
* `mark_done` stages (id, done_at, flow, response) and sets them, clearing the dirty flag, in
  one UPDATE … FROM per chunk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kpimon.store.writer import RawSql

__all__ = ["CLOCK_TABLES", "FACT_COLUMNS", "RawSql", "analyze", "count_all", "count_dirty",
           "delete_facts_in", "delete_table_in", "dirty_chunk", "every_chunk", "facts_in",
           "history_in", "insert_columns", "mark_done", "relax_commit"]

FACT_TABLES = ("ticket_facts", "resolution_facts", "resolutions")
# What a large pass touched, for ANALYZE on PostgreSQL (the planner's statistics).
TOUCHED_TABLES = ("tickets", "status_changes", "resolutions", "ticket_facts", "resolution_facts")

TICKET_COLUMNS = ("source", "id", "status", "created", "updated", "first_response", "resolved",
                  "closed", "ticket_key")
KEY = TICKET_COLUMNS.index("ticket_key")
"""Where a row of TICKET_COLUMNS holds the ticket_key, by which the facts tables refer to it."""
_STAGE = "kpimon_facts_done"


def relax_commit(sql: RawSql) -> None:
    """PostgreSQL: this transaction (one chunk of a facts pass) commits without waiting for
    its WAL to reach the disk. Safe here: a crash can lose only the last chunks' commits, and
    what they cleared was the dirty flag of their tickets in the same transaction, so those
    tickets are still dirty afterwards and the next pass redoes them; no other data is in
    these transactions. It saves a flush per chunk."""
    if sql.dialect == "postgresql":
        sql.execute("SET LOCAL synchronous_commit = off")


def _count(sql: RawSql, where: str = "") -> int:
    sql.execute("SELECT count(*) FROM tickets" + where)
    row = sql.cursor.fetchone()
    return int(row[0]) if row else 0


def count_dirty(sql: RawSql) -> int:
    """How many tickets are marked for the facts pass."""
    return _count(sql, " WHERE facts_dirty")


def count_all(sql: RawSql) -> int:
    """How many tickets are stored."""
    return _count(sql)


def _chunk(sql: RawSql, columns: Sequence[str], dirty: bool,
           after: tuple[str, str] | None, limit: int) -> list[tuple[Any, ...]]:
    """The next `limit` tickets (only the dirty ones with `dirty`) after the key `after`
    (None: from the start), in key order, as `columns`."""
    conds = ["facts_dirty"] if dirty else []
    if after is not None:
        conds.append("(source, id) > (?, ?)")
    where = " WHERE " + " AND ".join(conds) if conds else ""
    sql.execute(f"SELECT {', '.join(columns)} FROM tickets{where} ORDER BY source, id LIMIT ?",
                (*(after or ()), limit))
    return list(sql.cursor.fetchall())


def dirty_chunk(sql: RawSql, after: tuple[str, str] | None, limit: int
                ) -> list[tuple[Any, ...]]:
    """The next `limit` dirty tickets after the key `after`, as TICKET_COLUMNS."""
    return _chunk(sql, TICKET_COLUMNS, True, after, limit)


DERIVED_COLUMNS = ("done_at", "flow_origin", "flow_seen", "response_at", "facts_dirty")
"""What a ticket holds of its facts, read beside TICKET_COLUMNS by `every_chunk`."""


def every_chunk(sql: RawSql, after: tuple[str, str] | None, limit: int
                ) -> list[tuple[Any, ...]]:
    """The next `limit` tickets after the key `after`, dirty or not, as TICKET_COLUMNS +
    DERIVED_COLUMNS (a pass over every ticket: `kpimon recompute`)."""
    return _chunk(sql, TICKET_COLUMNS + DERIVED_COLUMNS, False, after, limit)


def history_in(sql: RawSql, source: str, lo: str, hi: str, every: bool = False
               ) -> list[tuple[Any, ...]]:
    """(ticket_id, at, from_status, to_status, derived) of every status change of the dirty
    tickets (with `every`, of all tickets) of `source` with lo <= id <= hi, by ticket and
    time."""
    if every:
        sql.execute(
            "SELECT ticket_id, at, from_status, to_status, derived FROM status_changes "
            "WHERE source = ? AND ticket_id >= ? AND ticket_id <= ? "
            "ORDER BY ticket_id, at, id", (source, lo, hi))
        return list(sql.cursor.fetchall())
    sql.execute(
        "SELECT sc.ticket_id, sc.at, sc.from_status, sc.to_status, sc.derived "
        "FROM tickets t JOIN status_changes sc ON sc.source = t.source AND sc.ticket_id = t.id "
        "WHERE t.facts_dirty AND t.source = ? AND t.id >= ? AND t.id <= ? "
        "ORDER BY sc.ticket_id, sc.at, sc.id", (source, lo, hi))
    return list(sql.cursor.fetchall())


FACT_COLUMNS = {
    "resolutions": ("ticket_key", "resolved_at", "valid_from", "superseded_at", "reopened_at"),
    "ticket_facts": ("ticket_key", "created_c", "response_c", "resolved_at", "resolved_c"),
    "resolution_facts": ("ticket_key", "resolved_at", "resolved_c")}
"""The columns kpi/facts.py computes for each facts table, in its order; besides these the
rows of the two clock tables have their `clock` (CLOCK_TABLES)."""
CLOCK_TABLES = ("ticket_facts", "resolution_facts")


SPREAD = 4
"""Keys that lie within SPREAD times their number of each other are read by their range (with
the list as a filter); keys farther apart, a few tickets changed here and there, by one lookup
each, so that the range never takes in the facts of the many tickets between them."""


def _of_keys(sql: RawSql, keys: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
    """The condition on a facts table's ticket_key that selects the tickets `keys` (a chunk's:
    the facts pass knows them, so the condition needs no read of `tickets`), and its
    parameters.

    Keys in an unbroken run (the tickets of an import, numbered in a row) are the range
    itself: no other ticket has a key inside it. Keys close together (a chunk in id order
    whose tickets were numbered in a slightly different order) are the range, filtered by
    their list; the `+ 0` keeps the list off the key's index, so the range is the way in:
    one range read instead of a lookup per key, which after an import finds nothing.

    The list, up to 50 000 keys: on SQLite one JSON parameter (`json_each`), so the
    statement's text stays the same and the driver's statement cache holds one compiled
    copy, not one of several MiB per chunk; on PostgreSQL one array constant written into
    the statement (integers read from the store), which the planner hashes — as a
    parameter, a generic plan would search it row by row, and as ARRAY[…] of 50 000
    elements it is slow to parse."""
    first, last = min(keys), max(keys)
    span = "ticket_key >= ? AND ticket_key <= ?"
    if last - first + 1 == len(keys):
        return span, (first, last)
    params: tuple[Any, ...] = ()
    if sql.dialect == "sqlite":
        member, params = "IN (SELECT value FROM json_each(?))", (json.dumps(list(keys)),)
    else:
        member = "= ANY ('{" + ",".join(map(str, map(int, keys))) + "}'::bigint[])"
    if last - first < SPREAD * len(keys):
        return f"{span} AND ticket_key + 0 {member}", (first, last, *params)
    return f"ticket_key {member}", params


def facts_in(sql: RawSql, keys: Sequence[int]) -> dict[str, list[tuple[Any, ...]]]:
    """The stored rows of each facts table for the tickets `keys`, as sorted tuples of
    FACT_COLUMNS, led by the clock in the clock tables (the shape of kpi/facts.py's
    `ChunkFacts.fact_rows`)."""
    out = {}
    where, params = _of_keys(sql, keys)
    for table, columns in FACT_COLUMNS.items():
        cols = ", ".join((("clock",) if table in CLOCK_TABLES else ()) + columns)
        sql.execute(f"SELECT {cols} FROM {table} WHERE {where}", params)
        out[table] = sorted(map(tuple, sql.cursor.fetchall()))
    return out


def delete_table_in(sql: RawSql, table: str, keys: Sequence[int]) -> None:
    """Drop the rows of one facts table for the tickets `keys`."""
    where, params = _of_keys(sql, keys)
    sql.execute(f"DELETE FROM {table} WHERE {where}", params)


def delete_facts_in(sql: RawSql, keys: Sequence[int]) -> None:
    """Drop the facts and resolutions of the tickets `keys` (they are rebuilt); tickets with
    no facts yet, after an import, cost one index probe a table."""
    where, params = _of_keys(sql, keys)
    for table in FACT_TABLES:
        sql.execute(f"DELETE FROM {table} WHERE {where}", params)


def insert_columns(sql: RawSql, table: str, columns: Sequence[str],
                   data: Sequence[Sequence[Any]],
                   constants: Sequence[tuple[str, Any]] = (), deferred: bool = False) -> None:
    """INSERT rows given column-wise (`data[k]` is the list of column k's values), each with
    the `constants` (column, value) — on SQLite literals of the statement, not parameters
    (`RawSql.insert_columns`). `deferred`: on PostgreSQL the rows may wait in the `RawSql`
    for one larger COPY, until `sql.flush()` (the caller's duty before it commits or reads
    the table)."""
    if deferred:
        sql.insert_deferred(table, columns, data, constants)
    else:
        sql.insert_columns(table, columns, data, constants)


def mark_done(sql: RawSql, source: str, lo: str, hi: str, data: Sequence[Sequence[Any]]
              ) -> None:
    """Set (id, done_at, flow_origin, flow_seen, response_at) — given column-wise — on the
    tickets of `source` (ids in lo..hi, the chunk's range), and clear their dirty flag:
    staged, then one UPDATE … FROM over the chunk's key range (the range keeps a planner
    with stale statistics from joining the stage with every ticket of the source)."""
    if not data or not data[0]:
        return
    if sql.dialect == "postgresql":
        sql.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (id TEXT, "
                    "done_at BIGINT, flow_origin TEXT, flow_seen TEXT, response_at BIGINT) "
                    "ON COMMIT DROP")
    else:
        sql.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (id TEXT PRIMARY KEY, "
                    "done_at INTEGER, flow_origin TEXT, flow_seen TEXT, response_at INTEGER)")
    insert_columns(sql, _STAGE, ("id", "done_at", "flow_origin", "flow_seen", "response_at"),
                   data)
    sql.execute(f"UPDATE tickets SET done_at = s.done_at, flow_origin = s.flow_origin, "
                f"flow_seen = s.flow_seen, response_at = s.response_at, facts_dirty = FALSE "
                f"FROM {_STAGE} s WHERE tickets.source = ? AND tickets.id >= ? AND "
                f"tickets.id <= ? AND tickets.id = s.id", (source, lo, hi))
    sql.execute(f"DELETE FROM {_STAGE}")


def analyze(sql: RawSql) -> None:
    """PostgreSQL: fresh planner statistics of the tables a large pass wrote (kpimon may run
    where autovacuum is off or slow to react; a bulk load without them plans badly)."""
    if sql.dialect == "postgresql":
        sql.execute("ANALYZE " + ", ".join(TOUCHED_TABLES))
