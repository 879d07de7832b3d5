"""Writing per-ticket facts quickly: raw driver `executemany` with positional rows.

The facts pass rewrites a few rows per ticket for every changed ticket (a million after a
large import), where SQLAlchemy's per-row parameter handling would cost more than the database
itself. The SQL stays in the store; the values come from kpi/facts.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select, tuple_

from kpimon.store import settled
from kpimon.store import tables as t


def _placeholder(conn: Connection) -> str:
    return "%s" if conn.dialect.name == "postgresql" else "?"


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for many positional rows on the connection's open transaction.

    `sql` uses `?` placeholders; they are turned into the driver's own style.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """INSERT the rows (tuples in `columns` order) into `table`."""
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    executemany(conn, f'INSERT INTO {table.name} ({names}) VALUES ({marks})', rows)


def clear_dirty(conn: Connection) -> int:
    """Delete the facts and resolutions of every ticket marked dirty (they are rebuilt);
    returns how many tickets are dirty. Driven from the dirty tickets (an index), so a pass
    with nothing to do costs one lookup."""
    tk = t.tickets.c
    settled.forget_dirty(conn)  # the stored sums of the months these tickets touch
    dirty = select(tk.source, tk.id).where(tk.facts_dirty.is_(True))
    count = int(conn.execute(select(func.count()).select_from(dirty.subquery())).scalar_one())
    if count:
        for table in (t.ticket_facts, t.resolution_facts, t.resolutions):
            conn.execute(table.delete().where(
                tuple_(table.c.source, table.c.ticket_id).in_(dirty)))
    return count


def mark_done(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Store (done_at, flow_origin, flow_seen, source, id) and clear the dirty flag."""
    executemany(conn, "UPDATE tickets SET done_at = ?, flow_origin = ?, flow_seen = ?, "
                      "facts_dirty = ? WHERE source = ? AND id = ?",
                [(d, o, s, False, src, i) for d, o, s, src, i in rows])
