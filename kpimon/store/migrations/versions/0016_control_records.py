"""control records: the follow-ups of internal-control points entered by hand

Revision ID: 0016
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('control_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('control', sa.String(length=64), nullable=False),
    sa.Column('occasion', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('by', sa.String(length=128), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_records'))
    )
    with op.batch_alter_table('control_records', schema=None) as batch_op:
        batch_op.create_index('ix_control_records_key', ['control', 'occasion', 'entered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('control_records', schema=None) as batch_op:
        batch_op.drop_index('ix_control_records_key')
    op.drop_table('control_records')
