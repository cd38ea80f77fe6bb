"""public: published snapshots of a round's results (public scorecards and open data)

``publications`` keeps, per publication, the snapshot of exactly what the public pages show, the k of
its small-cell suppression, its licence and whether organisations are named; one live row per round
(a unique index on round_id where unpublished_at is null).

Revision ID: 0015_public
Revises: 0014_evidence
Create Date: 2026-12-07 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_public'
down_revision = '0014_evidence'
branch_labels = None
depends_on = None

LIVE = sa.text('unpublished_at IS NULL')


def upgrade():
    op.create_table(
        'publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('snapshot_hash', sa.String(length=64), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('licence', sa.String(length=40), nullable=False),
        sa.Column('is_naming_organisations', sa.Boolean(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unpublished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('k >= 1', name=op.f('ck_publications_k')),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_publications_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_publications_published_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_publications_live_round', ['round_id'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index('uq_publications_live_round')
        batch_op.drop_index(batch_op.f('ix_publications_round_id'))
    op.drop_table('publications')
