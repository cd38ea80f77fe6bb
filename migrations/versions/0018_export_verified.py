"""export verified: workbooks whose figures count verified answers only

``exports.is_verified_only`` (false for every existing export): the workbook's indices and per-question
figures count the answers staff verified; its response sheets still list every answer with its state.

Revision ID: 0018_export_verified
Revises: 0017_verification
Create Date: 2026-12-06 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_export_verified'
down_revision = '0017_verification'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_verified_only', sa.Boolean(), nullable=False, server_default=sa.text('false')))


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_column('is_verified_only')
