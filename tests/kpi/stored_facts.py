"""The stored facts tables, for comparing two ways of computing them in tests.

The facts refer to a ticket by its `ticket_key`, which two stores number differently (and a
migration renumbers): each row here names its ticket by (source, id) instead, read through a
join with the tickets, and leads with them, so rows sort and compare by ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from kpimon.store import tables as t

FACT_TABLES = (t.resolutions, t.ticket_facts, t.resolution_facts)


def fact_rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Each facts table's rows as sorted tuples: (source, id, the columns after the key)."""
    tk = t.tickets.c
    out = {}
    for table in FACT_TABLES:
        rest = [c for c in table.c if c.name != "ticket_key"]
        out[table.name] = sorted(tuple(r) for r in conn.execute(
            select(tk.source, tk.id, *rest).select_from(
                table.join(t.tickets, tk.ticket_key == table.c.ticket_key))))
    return out
