"""reports: the statistical annex (Word, PDF) and the regional fact sheets as export kinds

``exports.kind`` accepts ``annex_docx``, ``annex_pdf`` and ``factsheets`` beside the workbook and the
evidence ZIP: the documents are built, followed, downloaded and expired like workbooks.
``exports.sheet_region_id``: the one region whose fact sheet was asked for (null = every region of
``region_ids``, which stays the requester's scope and the sheets' comparator).

Revision ID: 0016_reports
Revises: 0015_public
Create Date: 2026-12-08 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_reports'
down_revision = '0015_public'
branch_labels = None
depends_on = None

KINDS = "kind IN ('workbook', 'evidence', 'annex_docx', 'annex_pdf', 'factsheets')"
OLD_KINDS = "kind IN ('workbook', 'evidence')"


def upgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exports_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_exports_kind'), KINDS)
        batch_op.add_column(sa.Column('sheet_region_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_exports_sheet_region_id_regions'), 'regions', ['sheet_region_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade():
    # The documents cannot be kept under the old CHECK; their files expire with them.
    op.execute("DELETE FROM exports WHERE kind IN ('annex_docx', 'annex_pdf', 'factsheets')")
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_exports_sheet_region_id_regions'), type_='foreignkey')
        batch_op.drop_column('sheet_region_id')
        batch_op.drop_constraint(op.f('ck_exports_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_exports_kind'), OLD_KINDS)
