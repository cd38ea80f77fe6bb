"""institutional: one response per organisation, a focal point who submits it, sections assigned to officials

``rounds.is_per_organisation``: every official invited for the same organisation works on one response
(``responses.organisation_id``, UNIQUE per round and organisation when set). ``invitations.is_focal_point``
marks the one who submits (at most one per round and organisation). ``responses.section_changes`` says who
last changed each section. ``section_assignments`` gives a section to one official of the organisation.

Revision ID: 0012_institutional
Revises: 0011_retention
Create Date: 2026-12-04 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_institutional'
down_revision = '0011_retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_per_organisation', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_focal_point', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
        batch_op.create_index('uq_invitations_focal_point', ['round_id', 'organisation_id'], unique=True,
                              sqlite_where=sa.text('is_focal_point'), postgresql_where=sa.text('is_focal_point'))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('section_changes', sa.JSON(), server_default=sa.text("'{}'"),
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_responses_organisation_id_organisations'), 'organisations',
                                    ['organisation_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_index('uq_responses_round_organisation', ['round_id', 'organisation_id'], unique=True,
                              sqlite_where=sa.text('organisation_id IS NOT NULL'),
                              postgresql_where=sa.text('organisation_id IS NOT NULL'))
    op.create_table(
        'section_assignments',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('section_key', sa.String(length=64), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_section_assignments_invitation_id_invitations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_section_assignments_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_section_assignments_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'organisation_id', 'section_key', name=op.f('pk_section_assignments')),
    )
    with op.batch_alter_table('section_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_assignments_invitation_id'), ['invitation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('section_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_assignments_invitation_id'))
    op.drop_table('section_assignments')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('uq_responses_round_organisation',
                            sqlite_where=sa.text('organisation_id IS NOT NULL'),
                            postgresql_where=sa.text('organisation_id IS NOT NULL'))
        batch_op.drop_constraint(batch_op.f('fk_responses_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('section_changes')
        batch_op.drop_column('organisation_id')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_invitations_focal_point', sqlite_where=sa.text('is_focal_point'),
                            postgresql_where=sa.text('is_focal_point'))
        batch_op.drop_column('is_focal_point')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('is_per_organisation')
