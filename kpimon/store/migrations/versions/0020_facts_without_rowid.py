"""facts tables WITHOUT ROWID on SQLite

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 19:40:00

`resolutions`, `ticket_facts` and `resolution_facts` get about one row per ticket (and stored
clock) each. As ordinary SQLite tables every row went into two B-trees, the rowid table and
the primary key's index; WITHOUT ROWID the primary key is the table, one B-tree less per row
at import and in the facts pass. SQLite cannot change this in place: each table is renamed,
created anew and its rows copied, so the stored facts are kept (no facts pass is needed after
the upgrade). PostgreSQL has no rowid; nothing changes there.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None

# (table, column definitions, primary key, index (name, column) or None), in the shape of
# store/tables.py at this revision.
TABLES = (
    ("resolutions",
     "source VARCHAR(64) NOT NULL, ticket_id VARCHAR(128) NOT NULL, "
     "resolved_at BIGINT NOT NULL, valid_from BIGINT NOT NULL, superseded_at BIGINT, "
     "reopened_at BIGINT",
     "source, ticket_id, resolved_at", ("ix_resolutions_resolved_at", "resolved_at")),
    ("ticket_facts",
     "source VARCHAR(64) NOT NULL, ticket_id VARCHAR(128) NOT NULL, clock VARCHAR(64) NOT NULL, "
     "created_c BIGINT NOT NULL, response_c BIGINT",
     "source, ticket_id, clock", None),
    ("resolution_facts",
     "source VARCHAR(64) NOT NULL, ticket_id VARCHAR(128) NOT NULL, "
     "resolved_at BIGINT NOT NULL, clock VARCHAR(64) NOT NULL, resolved_c BIGINT NOT NULL",
     "source, ticket_id, resolved_at, clock", None),
)


def _rebuild(without_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    suffix = " WITHOUT ROWID" if without_rowid else ""
    for table, columns, key, index in TABLES:
        names = ", ".join(c.split()[0] for c in columns.split(", "))
        old = f"_kpimon_0020_{table}"
        op.execute(sa.text(f"ALTER TABLE {table} RENAME TO {old}"))
        if index is not None:
            op.execute(sa.text(f"DROP INDEX IF EXISTS {index[0]}"))
        op.execute(sa.text(f"CREATE TABLE {table} ({columns}, CONSTRAINT pk_{table} "
                           f"PRIMARY KEY ({key})){suffix}"))
        # In key order: each row then lands at the end of the new B-tree.
        op.execute(sa.text(f"INSERT INTO {table} ({names}) SELECT {names} FROM {old} "
                           f"ORDER BY {key}"))
        op.execute(sa.text(f"DROP TABLE {old}"))
        if index is not None:
            op.execute(sa.text(f"CREATE INDEX {index[0]} ON {table} ({index[1]})"))


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
