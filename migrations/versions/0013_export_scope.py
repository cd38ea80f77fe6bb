"""export scope: the regions a workbook export is limited to

``exports.region_ids`` (JSON list of region ids, null = every region): a regional coordinator's
workbook holds only the invitations and responses of their regions, and only requesters whose
scope covers those regions may list or download it.

Revision ID: 0013_export_scope
Revises: 0012_institutional
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_export_scope'
down_revision = '0012_institutional'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_ids', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_column('region_ids')
