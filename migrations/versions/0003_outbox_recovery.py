"""outbox leases, automatic resend after an unknown outcome, export heartbeats

Revision ID: 0003_outbox_recovery
Revises: 0002_audit_chain
Create Date: 2026-12-01 10:00:00

Three nullable columns, no data to move: the sweep can tell a dead worker's batch
(``lease_ends_at`` past) from one waiting in the queue, an invitation sent again after an
unknown outcome is sent again only once (``unknown_outcome_at``), and a build whose worker
died is told from one still writing (``heartbeat_at``).
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_outbox_recovery'
down_revision = '0002_audit_chain'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unknown_outcome_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('unknown_outcome_at')
        batch_op.drop_column('lease_ends_at')
