"""verification: staff verify, contest or query answers; queries reopen one question; plausibility rules

``verifications`` holds staff's decision on one answer of a response (UNIQUE per response and question).
``answer_queries`` reopens one question on the respondent's link (at most one open query per answer);
``answer_query_messages`` is its thread. ``plausibility_rules`` tunes a round's flags against last year's
answers and the round's percentiles; ``plausibility_notes`` keeps a respondent's confirmation of a flagged value.

Revision ID: 0017_verification
Revises: 0016_reports
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_verification'
down_revision = '0016_reports'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade():
    op.create_table(
        'verifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('open', 'verified', 'contested', 'queried')", name=op.f('ck_verifications_state')),
        _fk('verifications', 'decided_by_id', 'users', 'SET NULL'),
        _fk('verifications', 'response_id', 'responses', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verifications')),
        sa.UniqueConstraint('response_id', 'question_key', name='uq_verifications_answer'),
    )
    op.create_table(
        'answer_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_revision', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_answer_queries_status')),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_answer_queries_closed')),
        _fk('answer_queries', 'opened_by_id', 'users', 'SET NULL'),
        _fk('answer_queries', 'response_id', 'responses', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_queries')),
    )
    with op.batch_alter_table('answer_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_queries_response_id'), ['response_id'], unique=False)
        batch_op.create_index('uq_answer_queries_open', ['response_id', 'question_key'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        'answer_query_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('invitation_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('old_value', sa.JSON(), nullable=True),
        sa.Column('new_value', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("author IN ('staff', 'respondent')", name=op.f('ck_answer_query_messages_author')),
        _fk('answer_query_messages', 'invitation_id', 'invitations', 'SET NULL'),
        sa.ForeignKeyConstraint(['query_id'], ['answer_queries.id'],
                                name=op.f('fk_answer_query_messages_query_id_answer_queries'), ondelete='CASCADE'),
        _fk('answer_query_messages', 'user_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_query_messages')),
    )
    with op.batch_alter_table('answer_query_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_query_messages_query_id'), ['query_id'], unique=False)
    op.create_table(
        'plausibility_rules',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('change_ratio', sa.Float(), nullable=False),
        sa.Column('change_absolute', sa.Float(), nullable=False),
        sa.Column('percentile_low', sa.Float(), nullable=False),
        sa.Column('percentile_high', sa.Float(), nullable=False),
        sa.Column('percentile_min_count', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('change_ratio > 0 AND change_absolute >= 0', name=op.f('ck_plausibility_rules_change')),
        sa.CheckConstraint('percentile_low >= 0 AND percentile_low < percentile_high AND percentile_high <= 100',
                           name=op.f('ck_plausibility_rules_percentiles')),
        _fk('plausibility_rules', 'round_id', 'rounds', 'CASCADE'),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_plausibility_rules')),
    )
    op.create_table(
        'plausibility_notes',
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        _fk('plausibility_notes', 'response_id', 'responses', 'CASCADE'),
        sa.PrimaryKeyConstraint('response_id', 'question_key', name=op.f('pk_plausibility_notes')),
    )


def downgrade():
    op.drop_table('plausibility_notes')
    op.drop_table('plausibility_rules')
    with op.batch_alter_table('answer_query_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_query_messages_query_id'))
    op.drop_table('answer_query_messages')
    with op.batch_alter_table('answer_queries', schema=None) as batch_op:
        batch_op.drop_index('uq_answer_queries_open', sqlite_where=sa.text("status = 'open'"),
                            postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_answer_queries_response_id'))
    op.drop_table('answer_queries')
    op.drop_table('verifications')
