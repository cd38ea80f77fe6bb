"""evidence: supporting documents attached to answers, and the ZIP of a round's evidence as an export kind

``evidence`` holds one row per attached file (the bytes live in the evidence storage under ``stored_key``,
a random name); a removed file keeps its row with ``removed_at``. ``exports.kind`` tells a workbook from a
ZIP of evidence (existing rows are workbooks).

Revision ID: 0014_evidence
Revises: 0013_export_scope
Create Date: 2026-12-06 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_evidence'
down_revision = '0013_export_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=64), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('stored_key', sa.String(length=128), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=128), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('is_scanned', sa.Boolean(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_evidence_size')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_evidence_response_id_responses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['invitations.id'],
                                name=op.f('fk_evidence_uploaded_by_id_invitations'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
        sa.UniqueConstraint('stored_key', name=op.f('uq_evidence_stored_key')),
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_response_question', ['response_id', 'question_key'], unique=False)
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='workbook', nullable=False))
        batch_op.create_check_constraint(op.f('ck_exports_kind'), "kind IN ('workbook', 'evidence')")


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exports_kind'), type_='check')
        batch_op.drop_column('kind')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_response_question')
    op.drop_table('evidence')
