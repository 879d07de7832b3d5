"""The plan a database would run a statement by, as lines of text, for tests that check a
query is read through an index (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with
sequential scans priced out, so that a plan holds one only where no index applies)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def plan(conn: Connection, statement: str, params: Any) -> list[str]:
    """The plan of `statement` (as the driver was given it, with `params`) on `conn`."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if conn.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
        return [row[3] for row in cursor.fetchall()]
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN " + statement, params)
    return [row[0].strip() for row in cursor.fetchall()]
