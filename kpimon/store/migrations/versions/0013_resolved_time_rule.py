"""resolved-time rule: closing never moves the resolution; rebuild every ticket's facts

Revision ID: 0013
Revises: 0015
Create Date: 2026-11-28 10:00:00

Facts written by earlier releases took the last change to resolved *or closed* as the resolved
time, so a ticket resolved on Monday and closed on Friday counted from Friday. A resolution now
carries the evaluation moments it holds for (`valid_from`, `superseded_at`, `reopened_at`, see
kpi/resolution.py). The resolutions are derived data: they are emptied here and every ticket is
marked for the facts pass, which rebuilds them (with the clock positions) by the corrected
rule on its next run — the daemon's first compute, or any `collect`, `import`, `kpis`,
`explain`, `report` or `recompute`. Adopted periods keep their stored figures.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM resolution_facts"))
    op.execute(sa.text("DELETE FROM resolutions"))
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.BigInteger(), nullable=False))
        batch_op.add_column(sa.Column('superseded_at', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('reopened_at', sa.BigInteger(), nullable=True))
        batch_op.drop_column('valid_until')
    op.execute(sa.text("UPDATE tickets SET facts_dirty = TRUE"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM resolution_facts"))
    op.execute(sa.text("DELETE FROM resolutions"))
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.BigInteger(), nullable=True))
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('valid_from')
    op.execute(sa.text("UPDATE tickets SET facts_dirty = TRUE"))
