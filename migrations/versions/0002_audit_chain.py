"""audit chain: hash-linked audit entries, the chain's head, REPLACE-proof triggers

Revision ID: 0002_audit_chain
Revises: 0001_initial

Every audit entry gets the hash of the entry before it (``prev_hash``) and its own hash over
its content and that link (``entry_hash``); existing entries are hashed here, in id order.
``audit_chain`` (one row) records how many entries there are and the last hash; a trigger
moves it on every insert and refuses any other change. On SQLite, new triggers refuse an
INSERT OR REPLACE / UPDATE OR REPLACE that would delete a published version or an audit entry
(REPLACE fires no DELETE trigger unless recursive triggers are on); on PostgreSQL, TRUNCATE of
the log or the head is refused.
"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '0002_audit_chain'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

GENESIS_HASH = '0' * 64

# The SQL is written out here (not imported) so this migration stays as it was;
# tests/test_tamper.py checks that it matches what the models create.
TRIGGERS = {
    'audit_events': {
        'sqlite': [
            "CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER trg_audit_events_no_replace BEFORE INSERT ON audit_events FOR EACH ROW WHEN EXISTS (SELECT 1 FROM audit_events AS o WHERE ((o.id = NEW.id)) AND (1)) BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER trg_audit_events_no_replace_by_update BEFORE UPDATE ON audit_events FOR EACH ROW WHEN EXISTS (SELECT 1 FROM audit_events AS o WHERE o.rowid <> OLD.rowid AND ((o.id = NEW.id)) AND (1)) BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER trg_audit_events_link BEFORE INSERT ON audit_events FOR EACH ROW WHEN NEW.prev_hash IS NOT (SELECT last_hash FROM audit_chain WHERE id = 1) BEGIN SELECT RAISE(ABORT, 'audit entry does not link to the chain head'); END",
            'CREATE TRIGGER trg_audit_events_advance AFTER INSERT ON audit_events FOR EACH ROW BEGIN UPDATE audit_chain SET entries = entries + 1, last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1; END',
        ],
        'postgresql': [
            "CREATE OR REPLACE FUNCTION trg_audit_events_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
            'CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION trg_audit_events_no_update_fn()',
            "CREATE OR REPLACE FUNCTION trg_audit_events_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
            'CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION trg_audit_events_no_delete_fn()',
            "CREATE OR REPLACE FUNCTION trg_audit_events_advance_fn() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$ BEGIN UPDATE audit_chain SET entries = entries + 1, last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1 AND last_hash = NEW.prev_hash; IF NOT FOUND THEN RAISE EXCEPTION 'audit entry does not link to the chain head' USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NULL; END $$",
            'CREATE TRIGGER trg_audit_events_advance AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION trg_audit_events_advance_fn()',
            "CREATE OR REPLACE FUNCTION trg_audit_no_truncate_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$",
            'CREATE TRIGGER trg_audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION trg_audit_no_truncate_fn()',
        ],
    },
    'audit_chain': {
        'sqlite': [
            "CREATE TRIGGER trg_audit_chain_no_update BEFORE UPDATE ON audit_chain FOR EACH ROW WHEN NOT (NEW.id = OLD.id AND NEW.entries = OLD.entries + 1 AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.last_id AND entry_hash = NEW.last_hash AND prev_hash = OLD.last_hash)) BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward with the log'); END",
            "CREATE TRIGGER trg_audit_chain_no_delete BEFORE DELETE ON audit_chain FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward with the log'); END",
            "CREATE TRIGGER trg_audit_chain_no_insert BEFORE INSERT ON audit_chain FOR EACH ROW WHEN EXISTS (SELECT 1 FROM audit_chain) BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward with the log'); END",
        ],
        'postgresql': [
            "CREATE OR REPLACE FUNCTION trg_audit_chain_guard_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.entries = OLD.entries + 1 AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.last_id AND entry_hash = NEW.last_hash AND prev_hash = OLD.last_hash) THEN RETURN NEW; END IF; RAISE EXCEPTION 'the audit chain head only moves forward with the log' USING ERRCODE = 'integrity_constraint_violation'; END $$",
            'CREATE TRIGGER trg_audit_chain_guard BEFORE UPDATE OR DELETE ON audit_chain FOR EACH ROW EXECUTE FUNCTION trg_audit_chain_guard_fn()',
            "CREATE OR REPLACE FUNCTION trg_audit_chain_no_truncate_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit chain head only moves forward with the log' USING ERRCODE = 'integrity_constraint_violation'; END $$",
            'CREATE TRIGGER trg_audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION trg_audit_chain_no_truncate_fn()',
        ],
    },
    'questionnaire_versions': {
        'sqlite': [
            "CREATE TRIGGER trg_questionnaire_versions_no_replace BEFORE INSERT ON questionnaire_versions FOR EACH ROW WHEN EXISTS (SELECT 1 FROM questionnaire_versions AS o WHERE ((o.id = NEW.id) OR (o.questionnaire_id = NEW.questionnaire_id AND o.number = NEW.number) OR (o.questionnaire_id = NEW.questionnaire_id AND (published_at IS NULL))) AND (o.published_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'a published questionnaire version cannot be changed'); END",
            "CREATE TRIGGER trg_questionnaire_versions_no_replace_by_update BEFORE UPDATE ON questionnaire_versions FOR EACH ROW WHEN EXISTS (SELECT 1 FROM questionnaire_versions AS o WHERE o.rowid <> OLD.rowid AND ((o.id = NEW.id) OR (o.questionnaire_id = NEW.questionnaire_id AND o.number = NEW.number) OR (o.questionnaire_id = NEW.questionnaire_id AND (published_at IS NULL))) AND (o.published_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'a published questionnaire version cannot be changed'); END",
        ],
        'postgresql': [],
    },
}

# What 0001_initial created on audit_events, put back by downgrade().
INITIAL_AUDIT_TRIGGERS = {
    'sqlite': [
        "CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    'postgresql': [
        "CREATE OR REPLACE FUNCTION trg_audit_events_no_update_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        'CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION trg_audit_events_no_update_fn()',
        "CREATE OR REPLACE FUNCTION trg_audit_events_no_delete_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TRUE THEN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        'CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION trg_audit_events_no_delete_fn()',
    ],
}

_events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)), sa.column('actor_id', sa.Integer),
    sa.column('actor', sa.String), sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.String), sa.column('ip', sa.String), sa.column('details', sa.JSON),
    sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String),
)


def _entry_digest(row, prev_hash):
    """survey.models.audit.entry_digest as of this revision (a copy: the hashes written must stay checkable)."""
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    content = [prev_hash, at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ'), row.actor_id, row.actor,
               row.action, row.object_type, row.object_id, row.ip, row.details]
    canonical = json.dumps(content, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    return hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def _drop_audit_event_triggers(dialect):
    names = ('no_update', 'no_delete', 'no_replace', 'no_replace_by_update', 'link', 'advance', 'no_truncate')
    for name in names:
        suffix = ' ON audit_events' if dialect == 'postgresql' else ''
        op.execute(f'DROP TRIGGER IF EXISTS trg_audit_events_{name}{suffix}')


def _hash_existing_entries(bind):
    """Fill prev_hash/entry_hash of the entries already there, in id order; return (count, last id, last hash)."""
    count, last_id, last_hash = 0, None, GENESIS_HASH
    for row in bind.execute(sa.select(_events).order_by(_events.c.id)).all():
        digest = _entry_digest(row, last_hash)
        bind.execute(_events.update().where(_events.c.id == row.id).values(prev_hash=last_hash, entry_hash=digest))
        count, last_id, last_hash = count + 1, row.id, digest
    return count, last_id, last_hash


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    # The append-only triggers would refuse the hashing below; they come back with the new ones.
    _drop_audit_event_triggers(dialect)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    count, last_id, last_hash = _hash_existing_entries(bind)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)

    chain = op.create_table(
        'audit_chain',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain')),
    )
    op.bulk_insert(chain, [{'id': 1, 'entries': count, 'last_id': last_id, 'last_hash': last_hash}])
    for table in ('audit_events', 'audit_chain', 'questionnaire_versions'):
        for statement in TRIGGERS[table][dialect]:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in TRIGGERS['questionnaire_versions'][dialect]:
        name = statement.split()[2]
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    _drop_audit_event_triggers(dialect)
    op.drop_table('audit_chain')
    if dialect == 'postgresql':
        for function in ('trg_audit_events_advance_fn', 'trg_audit_no_truncate_fn', 'trg_audit_chain_guard_fn',
                         'trg_audit_chain_no_truncate_fn'):
            op.execute(f'DROP FUNCTION IF EXISTS {function}()')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
    for statement in INITIAL_AUDIT_TRIGGERS[dialect]:
        op.execute(statement)
