"""Planner statistics and visibility on PostgreSQL: the tables the period queries read are
vacuumed and analyzed when they need it, by autovacuum's own rules — kpimon does not rely on
autovacuum being on. Without it a bulk import and the facts pass's updates leave a million-row
table with no statistics (full scans), its indexes full of dead entries (the open tickets'
`done_at IS NULL` then reads every superseded row version) and no visibility map (no
index-only counts). SQLite is left alone.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

log = logging.getLogger("kpimon.store")

# The tables the indicator queries read, in the order they are analyzed.
READ_TABLES = ("tickets", "resolutions", "ticket_facts", "resolution_facts", "status_changes",
               "calls", "queue_intervals", "exclusions")
# autovacuum's defaults: analyze after 50 rows plus 10 % of the table have changed; vacuum
# after 50 dead rows plus 20 %, or 1000 inserted rows plus 20 % (PostgreSQL 13 and later).
ANALYZE_BASE, ANALYZE_SCALE = 50, 0.1
VACUUM_BASE, VACUUM_SCALE = 50, 0.2
INSERT_BASE, INSERT_SCALE = 1000, 0.2


def refresh(engine: Engine) -> dict[str, str]:
    """VACUUM ANALYZE or ANALYZE the read tables that need it (see the module docstring);
    returns what was done to which (nothing on SQLite)."""
    if engine.dialect.name != "postgresql":
        return {}
    # Outside a transaction: one round trip instead of three (BEGIN, the query, ROLLBACK),
    # before every compute.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        rows = conn.execute(text(
            "SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, "
            "COALESCE(last_analyze, last_autoanalyze) IS NULL AS never "
            "FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND relname = ANY(:names)"), {"names": list(READ_TABLES)}).all()
    todo: dict[str, str] = {}
    for r in rows:
        live = r.n_live_tup or 0
        if r.n_dead_tup > VACUUM_BASE + VACUUM_SCALE * live \
                or r.n_ins_since_vacuum > INSERT_BASE + INSERT_SCALE * live:
            todo[r.relname] = "VACUUM (ANALYZE)"
        elif (r.never and live + r.n_mod_since_analyze > 0) \
                or r.n_mod_since_analyze > ANALYZE_BASE + ANALYZE_SCALE * live:
            todo[r.relname] = "ANALYZE"
    if not todo:
        return {}
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in sorted(todo, key=READ_TABLES.index):
            conn.execute(text(f'{todo[name]} "{name}"'))
    log.info("refreshed planner statistics: %s",
             ", ".join(f"{todo[n].split()[0].lower()} {n}" for n in todo))
    return todo
