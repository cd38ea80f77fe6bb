"""retention: how long a round keeps the invited people's personal data, and when a person was erased

``rounds.retention_days`` (default 365): after the round closes and that many days have passed,
staff may erase a person (Ley 29733). ``invitations.erased_at`` records when it was done.

Revision ID: 0011_retention
Revises: 0010_scopes
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_retention'
down_revision = '0010_scopes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='365', nullable=False))
        batch_op.create_check_constraint('retention', 'retention_days >= 0')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_rounds_retention'), type_='check')
        batch_op.drop_column('retention_days')
