"""file failures and the period log

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('file_failures',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('file_key', sa.String(length=128), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('source', 'file_key', name=op.f('pk_file_failures'))
    )
    op.create_table('period_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_log'))
    )
    with op.batch_alter_table('period_log', schema=None) as batch_op:
        batch_op.create_index('ix_period_log_period', ['period', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('period_log', schema=None) as batch_op:
        batch_op.drop_index('ix_period_log_period')
    op.drop_table('period_log')
    op.drop_table('file_failures')
