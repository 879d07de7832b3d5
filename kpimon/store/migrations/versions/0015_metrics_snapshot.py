"""metrics across restarts: the baseline of each stored result, and the totals of purged runs

Revision ID: 0015
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicator_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline', sa.Float(), nullable=True))
    op.create_table('purged_run_totals',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('records', sa.BigInteger(), nullable=False),
    sa.Column('rejects', sa.BigInteger(), nullable=False),
    sa.Column('requests', sa.BigInteger(), nullable=False),
    sa.Column('retries', sa.BigInteger(), nullable=False),
    sa.Column('throttled', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_purged_run_totals'))
    )


def downgrade() -> None:
    op.drop_table('purged_run_totals')
    with op.batch_alter_table('indicator_results', schema=None) as batch_op:
        batch_op.drop_column('baseline')
