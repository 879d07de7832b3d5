"""alerts: alert state, notification groups, the outbox and silences

Revision ID: 0014
Revises: 0017
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0017'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('alert_state',
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('labels', sa.Text(), nullable=False),
    sa.Column('annotations', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('sources', sa.String(length=1000), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('active_since', sa.BigInteger(), nullable=True),
    sa.Column('fired_at', sa.BigInteger(), nullable=True),
    sa.Column('resolved_at', sa.BigInteger(), nullable=True),
    sa.Column('evaluated_at', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('rule', 'fingerprint', name=op.f('pk_alert_state'))
    )
    op.create_table('alert_groups',
    sa.Column('receiver', sa.String(length=64), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('labels', sa.Text(), nullable=False),
    sa.Column('notified', sa.Text(), nullable=False),
    sa.Column('last_notified', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('receiver', 'group_key', name=op.f('pk_alert_groups'))
    )
    op.create_table('notifications',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('receiver', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('due_at', sa.BigInteger(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('subject', sa.String(length=1000), nullable=True),
    sa.Column('recipients', sa.Text(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.BigInteger(), nullable=True),
    sa.Column('sent_at', sa.BigInteger(), nullable=True),
    sa.Column('result', sa.String(length=1000), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('uq_notifications_scheduled', ['receiver', 'group_key'], unique=True,
                              sqlite_where=sa.text("status = 'scheduled'"),
                              postgresql_where=sa.text("status = 'scheduled'"))
    op.create_table('silences',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('matchers', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.BigInteger(), nullable=False),
    sa.Column('ends_at', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.create_index('ix_silences_ends_at', ['ends_at'], unique=False)


def downgrade() -> None:
    op.drop_table('silences')
    op.drop_table('notifications')
    op.drop_table('alert_groups')
    op.drop_table('alert_state')
