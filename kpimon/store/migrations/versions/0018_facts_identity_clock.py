"""facts: no stored copy of the 24x7 clock; the effective first response on the ticket

Revision ID: 0018
Revises: 0019 (0014 on its branch; chained after 0019 at the merge with main)
Create Date: 2026-12-06 17:00:00

The always-open `24x7` calendar is the identity (a position is the instant itself), so its
facts were a copy of the tickets' own columns: the indicators now read `tickets.created`,
`tickets.response_at` and `resolutions.resolved_at` for it, and the facts tables keep only the
clocks that are not the identity (a business calendar, or any calendar with pause statuses).
The effective first response (the source's, or the one derived from the history where the
source asks for it) is the same on every clock, so it moves from `ticket_facts` to the ticket.
The dirty-ticket index becomes a partial index in key order, which the facts pass walks in
chunks and which clearing a flag shrinks rather than rewrites. Facts are derived data: they
are emptied here and every ticket is marked for the facts pass, which rebuilds them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM ticket_facts"))
    op.execute(sa.text("DELETE FROM resolution_facts"))
    op.execute(sa.text("DELETE FROM resolutions"))
    with op.batch_alter_table('ticket_facts', schema=None) as batch_op:
        batch_op.drop_column('response_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_at', sa.BigInteger(), nullable=True))
        batch_op.drop_index('ix_tickets_dirty')
    op.create_index('ix_tickets_dirty', 'tickets', ['source', 'id'], unique=False,
                    sqlite_where=sa.text('facts_dirty'), postgresql_where=sa.text('facts_dirty'))
    op.execute(sa.text("UPDATE tickets SET facts_dirty = TRUE, done_at = NULL"))
    op.execute(sa.text("DELETE FROM source_state WHERE source = '_facts'"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM ticket_facts"))
    op.execute(sa.text("DELETE FROM resolution_facts"))
    op.execute(sa.text("DELETE FROM resolutions"))
    op.drop_index('ix_tickets_dirty', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('response_at')
        batch_op.create_index('ix_tickets_dirty', ['facts_dirty'], unique=False)
    with op.batch_alter_table('ticket_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_at', sa.BigInteger(), nullable=True))
    op.execute(sa.text("UPDATE tickets SET facts_dirty = TRUE, done_at = NULL"))
    op.execute(sa.text("DELETE FROM source_state WHERE source = '_facts'"))
