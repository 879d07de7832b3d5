"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 22:54:21.949496
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('calls',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('queue', sa.String(length=128), nullable=False),
    sa.Column('entered', sa.BigInteger(), nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('source', 'call_id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_entered', ['entered'], unique=False)

    op.create_table('closed_periods',
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('closed_at', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_closed_periods'))
    )
    op.create_table('collection_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('started', sa.BigInteger(), nullable=False),
    sa.Column('ended', sa.BigInteger(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('rejects', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('throttled', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_runs'))
    )
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.create_index('ix_collection_runs_source', ['source', 'started'], unique=False)

    op.create_table('device_snapshots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_snapshots'))
    )
    with op.batch_alter_table('device_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_device_snapshots_source', ['source', 'taken_at'], unique=False)

    op.create_table('exclusions',
    sa.Column('ticket_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_exclusions'))
    )
    op.create_table('imported_files',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('file_key', sa.String(length=128), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('imported_at', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('source', 'file_key', name=op.f('pk_imported_files'))
    )
    op.create_table('indicator_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('period_start', sa.BigInteger(), nullable=False),
    sa.Column('period_end', sa.BigInteger(), nullable=False),
    sa.Column('evaluated_at', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('unknown', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=False),
    sa.Column('computed_at', sa.BigInteger(), nullable=False),
    sa.Column('adopted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_results')),
    sa.UniqueConstraint('indicator', 'period', 'adopted', name='uq_indicator_results_key')
    )
    op.create_table('manual_values',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('entered_at', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_values'))
    )
    with op.batch_alter_table('manual_values', schema=None) as batch_op:
        batch_op.create_index('ix_manual_values_key', ['indicator', 'period', 'entered_at'], unique=False)

    op.create_table('queue_interval_levels',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=128), nullable=False),
    sa.Column('start', sa.BigInteger(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'queue', 'start', 'threshold', name=op.f('pk_queue_interval_levels'))
    )
    op.create_table('queue_intervals',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=128), nullable=False),
    sa.Column('start', sa.BigInteger(), nullable=False),
    sa.Column('end', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('abandoned', sa.Integer(), nullable=False),
    sa.Column('abandoned_short', sa.Integer(), nullable=False),
    sa.Column('wait_seconds_answered_sum', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'queue', 'start', name=op.f('pk_queue_intervals'))
    )
    with op.batch_alter_table('queue_intervals', schema=None) as batch_op:
        batch_op.create_index('ix_queue_intervals_start', ['start'], unique=False)

    op.create_table('rejects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=True),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejects'))
    )
    with op.batch_alter_table('rejects', schema=None) as batch_op:
        batch_op.create_index('ix_rejects_source', ['source', 'at'], unique=False)

    op.create_table('resolution_facts',
    sa.Column('clock', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=128), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=False),
    sa.Column('resolved_c', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'ticket_id', 'resolved_at', 'clock', name=op.f('pk_resolution_facts'))
    )
    op.create_table('resolutions',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=128), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=False),
    sa.Column('valid_until', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('source', 'ticket_id', 'resolved_at', name=op.f('pk_resolutions'))
    )
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.create_index('ix_resolutions_resolved_at', ['resolved_at'], unique=False)

    op.create_table('source_state',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'key', name=op.f('pk_source_state'))
    )
    op.create_table('status_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=128), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('derived', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_changes')),
    sa.UniqueConstraint('source', 'ticket_id', 'at', 'to_status', 'derived', name='uq_status_changes_key')
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_status_changes_ticket', ['source', 'ticket_id', 'at'], unique=False)

    op.create_table('ticket_facts',
    sa.Column('clock', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=128), nullable=False),
    sa.Column('created_c', sa.BigInteger(), nullable=False),
    sa.Column('response_at', sa.BigInteger(), nullable=True),
    sa.Column('response_c', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('source', 'ticket_id', 'clock', name=op.f('pk_ticket_facts'))
    )
    op.create_table('tickets',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('updated', sa.BigInteger(), nullable=True),
    sa.Column('first_response', sa.BigInteger(), nullable=True),
    sa.Column('resolved', sa.BigInteger(), nullable=True),
    sa.Column('closed', sa.BigInteger(), nullable=True),
    sa.Column('resolved_by_line', sa.SmallInteger(), nullable=True),
    sa.Column('solution_present', sa.Boolean(), nullable=True),
    sa.Column('support_group', sa.String(length=128), nullable=True),
    sa.Column('org', sa.String(length=128), nullable=True),
    sa.Column('category', sa.String(length=128), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('first_seen', sa.BigInteger(), nullable=False),
    sa.Column('last_seen', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('row_hash', sa.String(length=32), nullable=True),
    sa.Column('facts_dirty', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.BigInteger(), nullable=True),
    sa.Column('flow_origin', sa.String(length=8), nullable=True),
    sa.Column('flow_seen', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('source', 'id', name=op.f('pk_tickets'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_created', ['created'], unique=False)
        batch_op.create_index('ix_tickets_dirty', ['facts_dirty'], unique=False)
        batch_op.create_index('ix_tickets_done_at', ['done_at'], unique=False)

    op.create_table('devices',
    sa.Column('snapshot_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('attrs', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['device_snapshots.id'], name=op.f('fk_devices_snapshot_id_device_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'name', name=op.f('pk_devices'))
    )



def downgrade() -> None:

    op.drop_table('devices')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_done_at')
        batch_op.drop_index('ix_tickets_dirty')
        batch_op.drop_index('ix_tickets_created')

    op.drop_table('tickets')
    op.drop_table('ticket_facts')
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_status_changes_ticket')

    op.drop_table('status_changes')
    op.drop_table('source_state')
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.drop_index('ix_resolutions_resolved_at')

    op.drop_table('resolutions')
    op.drop_table('resolution_facts')
    with op.batch_alter_table('rejects', schema=None) as batch_op:
        batch_op.drop_index('ix_rejects_source')

    op.drop_table('rejects')
    with op.batch_alter_table('queue_intervals', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_intervals_start')

    op.drop_table('queue_intervals')
    op.drop_table('queue_interval_levels')
    with op.batch_alter_table('manual_values', schema=None) as batch_op:
        batch_op.drop_index('ix_manual_values_key')

    op.drop_table('manual_values')
    op.drop_table('indicator_results')
    op.drop_table('imported_files')
    op.drop_table('exclusions')
    with op.batch_alter_table('device_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_device_snapshots_source')

    op.drop_table('device_snapshots')
    with op.batch_alter_table('collection_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_runs_source')

    op.drop_table('collection_runs')
    op.drop_table('closed_periods')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_entered')

    op.drop_table('calls')

