"""tickets: the index of the tickets not done by a moment, cancelled ones left out

Revision ID: 0021
Revises: 0020

`ix_tickets_open` replaces the index on `done_at`: on `coalesce(done_at, <largest BIGINT>)`
of the tickets that are not cancelled, so the open tickets' queries read "not done by m" as one
range (`> m`). The index on done_at gave every ticket without a done_at for it, the cancelled
ones too (as many as the open ones), and SQLite merged two scans for `done_at IS NULL OR
done_at > m`. On PostgreSQL (14 and later) the expression gets statistics of its own, which
the planner does not take from a partial index, and the table is analyzed to fill them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

DONE_KEY = 'coalesce(done_at, 9223372036854775807)'
NOT_CANCELLED = "status <> 'cancelled'"


def upgrade() -> None:
    op.drop_index('ix_tickets_done_at', table_name='tickets')
    op.create_index('ix_tickets_open', 'tickets', [sa.text(DONE_KEY)], unique=False,
                    sqlite_where=sa.text(NOT_CANCELLED), postgresql_where=sa.text(NOT_CANCELLED))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        if (bind.dialect.server_version_info or (0,)) >= (14,):
            op.execute(sa.text(f'CREATE STATISTICS st_tickets_done_key ON ({DONE_KEY}) '
                               'FROM tickets'))
        op.execute(sa.text('ANALYZE tickets'))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(sa.text('DROP STATISTICS IF EXISTS st_tickets_done_key'))
    op.drop_index('ix_tickets_open', table_name='tickets')
    op.create_index('ix_tickets_done_at', 'tickets', ['done_at'], unique=False)
