"""settled sums: what each settled month contributes to its year's sum-based ticket indicators

Revision ID: 0019
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settled_sums',
    sa.Column('month_start', sa.BigInteger(), nullable=False),
    sa.Column('ind_key', sa.String(length=32), nullable=False),
    sa.Column('bucket', sa.String(length=128), nullable=False),
    sa.Column('month_end', sa.BigInteger(), nullable=False),
    sa.Column('a', sa.Float(), nullable=False),
    sa.Column('b', sa.BigInteger(), nullable=False),
    sa.Column('as_of', sa.BigInteger(), nullable=False),
    sa.Column('created_n', sa.BigInteger(), nullable=False),
    sa.Column('resolved_n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('month_start', 'ind_key', 'bucket', name=op.f('pk_settled_sums'))
    )


def downgrade() -> None:
    op.drop_table('settled_sums')
