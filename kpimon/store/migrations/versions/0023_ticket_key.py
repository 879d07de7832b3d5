"""tickets.ticket_key: the facts tables refer to a ticket by one integer

Revision ID: 0023
Revises: 0022

Every ticket gets `ticket_key`, a number kpimon gives it (on SQLite its rowid, kept as it was;
on PostgreSQL from a sequence, in the table's order), which becomes the tickets' primary key;
(source, id) stays unique. `resolutions`, `ticket_facts` and `resolution_facts` are keyed by
it instead of by (source, ticket_id): about a third smaller and half as costly to write. Their
rows are carried over through a join with the tickets (no facts pass is needed after it); a
fact whose ticket is gone (none should be) is dropped. The downgrade reverses each step.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# The facts tables, in the shape of store/tables.py at this revision: (table, the columns
# after the ticket's, the primary key after the ticket's, the index (name, column) or None).
FACTS = (
    ("resolutions", "resolved_at BIGINT NOT NULL, valid_from BIGINT NOT NULL, "
     "superseded_at BIGINT, reopened_at BIGINT", "resolved_at",
     ("ix_resolutions_resolved_at", "resolved_at")),
    ("ticket_facts", "clock VARCHAR(64) NOT NULL, created_c BIGINT NOT NULL, "
     "response_c BIGINT, resolved_at BIGINT, resolved_c BIGINT", "clock", None),
    ("resolution_facts", "resolved_at BIGINT NOT NULL, clock VARCHAR(64) NOT NULL, "
     "resolved_c BIGINT NOT NULL", "resolved_at, clock", None),
)

# SQLite rebuilds `tickets` (a primary key cannot change in place): its columns after the key.
TICKET_COLUMNS = (
    "source VARCHAR(64) NOT NULL, id VARCHAR(128) NOT NULL, kind VARCHAR(16) NOT NULL, "
    "priority VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, created BIGINT NOT NULL, "
    "updated BIGINT, first_response BIGINT, resolved BIGINT, closed BIGINT, "
    "resolved_by_line SMALLINT, solution_present BOOLEAN, support_group VARCHAR(128), "
    "org VARCHAR(128), category VARCHAR(128), deleted BOOLEAN NOT NULL, "
    "first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, run_id BIGINT, "
    "row_hash VARCHAR(32), facts_dirty BOOLEAN NOT NULL, done_at BIGINT, "
    "flow_origin VARCHAR(8), flow_seen VARCHAR(200), response_at BIGINT")
TICKET_INDEXES = (
    "CREATE INDEX ix_tickets_created ON tickets (created)",
    "CREATE INDEX ix_tickets_dirty ON tickets (source, id) WHERE facts_dirty",
    "CREATE INDEX ix_tickets_open ON tickets (coalesce(done_at, 9223372036854775807)) "
    "WHERE status <> 'cancelled'",
)


def _names(columns: str) -> str:
    return ", ".join(c.split()[0] for c in columns.split(", "))


def _run(sql: str) -> None:
    op.execute(sa.text(sql))


def _sqlite_tickets(keyed: bool) -> None:
    """Rebuild `tickets` with (keyed) or without the ticket_key primary key; rowids kept."""
    _run("ALTER TABLE tickets RENAME TO _kpimon_0023_tickets")
    for index in ("ix_tickets_created", "ix_tickets_dirty", "ix_tickets_open"):
        _run(f"DROP INDEX IF EXISTS {index}")
    names = _names(TICKET_COLUMNS)
    if keyed:
        _run(f"CREATE TABLE tickets (ticket_key INTEGER NOT NULL, {TICKET_COLUMNS}, "
             "CONSTRAINT pk_tickets PRIMARY KEY (ticket_key), "
             "CONSTRAINT uq_tickets_source_id UNIQUE (source, id))")
        _run(f"INSERT INTO tickets (ticket_key, {names}) SELECT rowid, {names} "
             "FROM _kpimon_0023_tickets ORDER BY rowid")
    else:
        _run(f"CREATE TABLE tickets ({TICKET_COLUMNS}, "
             "CONSTRAINT pk_tickets PRIMARY KEY (source, id))")
        _run(f"INSERT INTO tickets (rowid, {names}) SELECT ticket_key, {names} "
             "FROM _kpimon_0023_tickets ORDER BY ticket_key")
    _run("DROP TABLE _kpimon_0023_tickets")
    for ddl in TICKET_INDEXES:
        _run(ddl)


def _facts(keyed: bool, sqlite: bool) -> None:
    """Recreate each facts table keyed by ticket_key (`keyed`) or by (source, ticket_id),
    carrying the rows over through a join with the tickets."""
    suffix = " WITHOUT ROWID" if sqlite else ""
    for table, columns, key, index in FACTS:
        old = f"_kpimon_0023_{table}"
        _run(f"ALTER TABLE {table} RENAME TO {old}")
        if sqlite and index is not None:
            _run(f"DROP INDEX IF EXISTS {index[0]}")
        elif index is not None:
            _run(f"ALTER INDEX {index[0]} RENAME TO _kpimon_0023_{index[0]}")
        if not sqlite:
            _run(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO _kpimon_0023_pk_{table}")
        names = _names(columns)
        # (the ticket's columns in the new table, their definitions, their source in
        # `tickets` t, and how t joins the old table's rows f)
        if keyed:
            ticket, head, taken, on = ("ticket_key", "ticket_key BIGINT NOT NULL",
                                       "t.ticket_key", "t.source = f.source AND t.id = f.ticket_id")
        else:
            ticket, head, taken, on = ("source, ticket_id",
                                       "source VARCHAR(64) NOT NULL, ticket_id VARCHAR(128) NOT NULL",
                                       "t.source, t.id", "t.ticket_key = f.ticket_key")
        pk = f"{ticket}, {key}"
        _run(f"CREATE TABLE {table} ({head}, {columns}, CONSTRAINT pk_{table} "
             f"PRIMARY KEY ({pk})){suffix}")
        # In key order (the key's columns lead the select): each row then lands at the end
        # of the new B-tree.
        order = ", ".join(str(i + 1) for i in range(len(pk.split(", "))))
        fields = ", ".join("f." + n for n in names.split(", "))
        _run(f"INSERT INTO {table} ({ticket}, {names}) SELECT {taken}, {fields} "
             f"FROM {old} f JOIN tickets t ON {on} ORDER BY {order}")
        _run(f"DROP TABLE {old}")
        if index is not None:
            _run(f"CREATE INDEX {index[0]} ON {table} ({index[1]})")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_tickets(keyed=True)
    else:
        # A new BIGSERIAL column numbers the existing rows from its sequence as it fills them.
        _run("ALTER TABLE tickets ADD COLUMN ticket_key BIGSERIAL NOT NULL")
        _run("ALTER TABLE tickets DROP CONSTRAINT pk_tickets")
        _run("ALTER TABLE tickets ADD CONSTRAINT pk_tickets PRIMARY KEY (ticket_key)")
        _run("ALTER TABLE tickets ADD CONSTRAINT uq_tickets_source_id UNIQUE (source, id)")
    _facts(keyed=True, sqlite=sqlite)
    if not sqlite:
        _run("ANALYZE tickets, resolutions, ticket_facts, resolution_facts")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _facts(keyed=False, sqlite=sqlite)
    if sqlite:
        _sqlite_tickets(keyed=False)
    else:
        _run("ALTER TABLE tickets DROP CONSTRAINT uq_tickets_source_id")
        _run("ALTER TABLE tickets DROP CONSTRAINT pk_tickets")
        _run("ALTER TABLE tickets ADD CONSTRAINT pk_tickets PRIMARY KEY (source, id)")
        _run("ALTER TABLE tickets DROP COLUMN ticket_key")  # drops its sequence too
        _run("ANALYZE tickets, resolutions, ticket_facts, resolution_facts")
