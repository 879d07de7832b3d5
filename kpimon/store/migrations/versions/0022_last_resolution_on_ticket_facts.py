"""ticket_facts: the position of a ticket's last resolution on its own facts row

Revision ID: 0022
Revises: 0021

A ticket's facts row of a stored clock gets `resolved_at` and `resolved_c`: the time of the
ticket's last resolution (its greatest `resolved_at`) and that time's clock position.
`resolution_facts` keeps only the earlier resolutions of a ticket resolved more than once, so
almost every ticket writes one row per clock instead of two: the facts of a million new
tickets are about a third fewer rows. The upgrade moves each ticket's last resolution from
`resolution_facts` to its `ticket_facts` row (no facts pass is needed after it); the downgrade
moves them back.

Measured at a million tickets (2-core VM): 8.6 s on SQLite, 21.6 s on PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.add_column('ticket_facts', sa.Column('resolved_at', sa.BigInteger(), nullable=True))
    op.add_column('ticket_facts', sa.Column('resolved_c', sa.BigInteger(), nullable=True))
    op.execute(sa.text(
        'UPDATE ticket_facts SET resolved_at = rf.resolved_at, resolved_c = rf.resolved_c '
        'FROM (SELECT source, ticket_id, clock, max(resolved_at) AS resolved_at '
        '      FROM resolution_facts GROUP BY source, ticket_id, clock) last '
        'JOIN resolution_facts rf ON rf.source = last.source AND '
        '     rf.ticket_id = last.ticket_id AND rf.clock = last.clock AND '
        '     rf.resolved_at = last.resolved_at '
        'WHERE ticket_facts.source = last.source AND ticket_facts.ticket_id = last.ticket_id '
        'AND ticket_facts.clock = last.clock'))
    op.execute(sa.text(
        'DELETE FROM resolution_facts WHERE EXISTS (SELECT 1 FROM ticket_facts f '
        'WHERE f.source = resolution_facts.source AND f.ticket_id = resolution_facts.ticket_id '
        'AND f.clock = resolution_facts.clock AND f.resolved_at = resolution_facts.resolved_at)'))
    if op.get_bind().dialect.name == 'postgresql':
        # Every row of ticket_facts was rewritten: fresh statistics for the planner.
        op.execute(sa.text('ANALYZE ticket_facts, resolution_facts'))


def downgrade() -> None:
    op.execute(sa.text(
        'INSERT INTO resolution_facts (source, ticket_id, resolved_at, clock, resolved_c) '
        'SELECT source, ticket_id, resolved_at, clock, resolved_c FROM ticket_facts '
        'WHERE resolved_at IS NOT NULL'))
    op.drop_column('ticket_facts', 'resolved_c')
    op.drop_column('ticket_facts', 'resolved_at')
