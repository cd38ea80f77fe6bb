"""Published versions and the audit log resist rewriting, and what gets past shows.

An attacker with a raw SQLite connection cannot REPLACE a published version or an audit entry,
whatever ``PRAGMA recursive_triggers`` says. Each audit entry is hash-linked to the one before
and a head row counts them, so `survey audit verify` names the first entry changed, removed or
cut off, even after the tables' owner turned the triggers off.
"""
from __future__ import annotations

import sqlite3
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from survey.extensions import db
from survey.models import AuditEvent, QuestionnaireVersion
from survey.models.audit import GENESIS_HASH, AuditChain
from survey.services import audit
from survey.services import questionnaires as qs
from tests.conftest import BACKENDS, database_url, make_app
from tests.factories import builder_document


def build_schema(application, how: str) -> None:
    with application.app_context():
        if how == "migrations":
            upgrade()
        else:
            db.create_all()


def _ids(param) -> str:
    return "-".join(param)


@pytest.fixture
def fresh(request, tmp_path_factory):
    """A new database per test (backend, schema built by models or by migrations), torn down after."""
    backend, how = request.param
    application = make_app(database_url(backend, tmp_path_factory, label=f"tamper_{how}"),
                           tmp_path_factory.mktemp("instance-tamper"))
    build_schema(application, how)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


BOTH = [(backend, how) for backend in BACKENDS for how in ("models", "migrations")]
SQLITE = [("sqlite", how) for how in ("models", "migrations")]


def seed(application, entries: int = 5) -> dict:
    """A published version 1, a draft 2 and *entries* audit entries, committed."""
    with application.app_context():
        version = qs.import_document(builder_document("tamper"))
        qs.publish(version.questionnaire)
        draft = qs.start_draft(version.questionnaire)
        for n in range(entries):
            audit.record("test.event", version, actor="cli", n=n)
        db.session.commit()
        ids = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        return {"version": version.id, "questionnaire": version.questionnaire_id, "title": version.document["title"],
                "draft": draft.id, "events": ids}


def verify(application, *args: str):
    return application.test_cli_runner().invoke(args=["audit", "verify", *args])


def sqlite_path(application) -> str:
    return application.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


# --- SQLite: REPLACE cannot delete a frozen row -------------------------------------------------

@pytest.mark.parametrize("fresh", SQLITE, indirect=True, ids=_ids)
@pytest.mark.parametrize("recursive_triggers", [0, 1])
def test_insert_or_replace_cannot_swap_a_published_version_or_an_audit_entry(fresh, recursive_triggers):
    seeded = seed(fresh)
    attacker = sqlite3.connect(sqlite_path(fresh), isolation_level=None)
    attacker.execute(f"PRAGMA recursive_triggers = {recursive_triggers}")
    version_columns = "questionnaire_id, number, document, fingerprint, created_at, published_at"
    forged = f"{seeded['questionnaire']}, 1, '{{\"title\": {{\"es\": \"Falsificado\"}}}}', 'f', '2026-01-01', '2026-01-01'"
    first = seeded["events"][0]
    head = attacker.execute("SELECT last_hash FROM audit_chain").fetchone()[0]  # so that only REPLACE is wrong
    attacks = [
        f"INSERT OR REPLACE INTO questionnaire_versions (id, {version_columns}) VALUES ({seeded['version']}, {forged})",
        f"REPLACE INTO questionnaire_versions ({version_columns}) VALUES ({forged})",  # by (questionnaire_id, number)
        (f"INSERT OR REPLACE INTO audit_events (id, at, actor, action, object_type, object_id, ip, details, prev_hash,"
        f" entry_hash) VALUES ({first}, '2026-01-01', 'x', 'forged', '', '', '', '{{}}', '{head}', 'x')"),
        f"REPLACE INTO audit_chain (id, entries, last_id, last_hash) VALUES (1, 0, NULL, '{GENESIS_HASH}')",
        # the draft takes the published version's number: REPLACE would delete the published one
        f"UPDATE OR REPLACE questionnaire_versions SET number = 1 WHERE id = {seeded['draft']}",
    ]
    for attack in attacks:
        with pytest.raises(sqlite3.IntegrityError, match=r"cannot be changed|append-only|only moves forward"):
            attacker.execute(attack)
    attacker.close()

    with fresh.app_context():
        assert db.session.get(QuestionnaireVersion, seeded["version"]).document["title"] == seeded["title"]
    assert verify(fresh).exit_code == 0


@pytest.mark.parametrize("fresh", SQLITE, indirect=True, ids=_ids)
def test_a_draft_can_still_be_replaced(fresh):
    draft_id = seed(fresh, entries=0)["draft"]
    attacker = sqlite3.connect(sqlite_path(fresh), isolation_level=None)
    attacker.execute("INSERT OR REPLACE INTO questionnaire_versions (id, questionnaire_id, number, document,"
                     f" fingerprint, created_at) SELECT id, questionnaire_id, number, document, 'g', created_at"
                     f" FROM questionnaire_versions WHERE id = {draft_id}")
    assert attacker.execute(f"SELECT fingerprint FROM questionnaire_versions WHERE id = {draft_id}").fetchone() == ("g",)


# --- the chain ----------------------------------------------------------------------------------

def test_entries_link_to_the_one_before_and_verify_says_intact(runner, db_session):
    start, count = db_session.execute(select(AuditChain.last_hash, AuditChain.entries)).one()
    audit.record("test.one", actor="cli")
    db_session.add_all([AuditEvent(action="test.two", actor="cli"), AuditEvent(action="test.three", actor="cli",
                                                                                 details={"ñ": "ü", "n": [1, 2.5]})])
    db_session.flush()
    events = list(db_session.scalars(select(AuditEvent).order_by(AuditEvent.id)))[-3:]
    assert [e.prev_hash for e in events] == [start, events[0].entry_hash, events[1].entry_hash]
    assert db_session.execute(select(AuditChain.entries)).scalar_one() == count + 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"{count + 3} entries, chain intact; head {events[-1].entry_hash}" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_appends_from_several_connections_at_once_keep_one_chain(fresh):
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            with fresh.app_context():
                for n in range(15):
                    audit.record("test.concurrent", actor=f"worker{worker}", n=n)
                    db.session.commit()
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(fresh)
    assert result.exit_code == 0 and "60 entries, chain intact" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_the_database_refuses_an_entry_that_does_not_link_and_a_head_moved_by_hand(fresh):
    seed(fresh)
    forged_entry = ("INSERT INTO audit_events (at, actor, action, object_type, object_id, ip, details, prev_hash,"
                    " entry_hash) VALUES (CURRENT_TIMESTAMP, 'x', 'forged', '', '', '', '{}', :prev, :prev)")
    with fresh.app_context(), db.engine.connect() as connection:
        attempts = [(forged_entry, {"prev": GENESIS_HASH}, "does not link"),
                    ("UPDATE audit_chain SET entries = entries - 1", {}, "only moves forward"),
                    ("UPDATE audit_chain SET entries = entries + 1", {}, "only moves forward"),
                    ("DELETE FROM audit_chain", {}, "only moves forward"),
                    ("INSERT INTO audit_chain (id, entries, last_hash) VALUES (2, 0, :prev)", {"prev": GENESIS_HASH},
                     "only moves forward|single_row")]
        for statement, params, message in attempts:
            with pytest.raises(Exception, match=message), connection.begin():
                connection.execute(text(statement), params)
    assert verify(fresh).exit_code == 0


# --- what the owner can still do shows -----------------------------------------------------------

def triggers_off(connection, backend: str) -> None:
    """What the tables' owner (or the SQLite file's) can do: turn the guards off."""
    if backend == "postgresql":
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        connection.execute(text("ALTER TABLE audit_chain DISABLE TRIGGER USER"))
        return
    names = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                     " AND tbl_name IN ('audit_events', 'audit_chain')")).scalars().all()
    for name in names:
        connection.execute(text(f"DROP TRIGGER {name}"))


def tamper(application, *statements: str, **params) -> None:
    backend = application.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]
    with application.app_context(), db.engine.begin() as connection:
        triggers_off(connection, "postgresql" if backend.startswith("postgres") else "sqlite")
        for statement in statements:
            connection.execute(text(statement), params)


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_a_rewritten_entry_is_named(fresh):
    events = seed(fresh)["events"]
    tamper(fresh, "UPDATE audit_events SET action = 'nothing.happened' WHERE id = :id", id=events[2])
    result = verify(fresh)
    assert result.exit_code == 1
    assert f"entry {events[2]}: its content (nothing.happened" in result.output and "changed after" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_a_rewritten_entry_with_a_new_hash_breaks_the_next_link(fresh):
    events = seed(fresh)["events"]
    tamper(fresh, "UPDATE audit_events SET entry_hash = :forged WHERE id = :id", id=events[1], forged="f" * 64)
    result = verify(fresh)
    assert result.exit_code == 1
    assert f"entry {events[1]}: its content" in result.output  # the digest no longer matches
    with fresh.app_context():
        # even a correct new hash for the rewritten entry leaves the next entry pointing at the old one
        event = db.session.get(AuditEvent, events[1])
        event.action = "nothing.happened"
        from survey.models.audit import entry_digest
        forged = entry_digest(event)
        db.session.rollback()
    tamper(fresh, "UPDATE audit_events SET action = 'nothing.happened', entry_hash = :forged WHERE id = :id",
           id=events[1], forged=forged)
    result = verify(fresh)
    assert result.exit_code == 1 and f"entry {events[2]}: it links to" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_a_deleted_entry_in_the_middle_is_named_by_the_next_one(fresh):
    events = seed(fresh)["events"]
    tamper(fresh, "DELETE FROM audit_events WHERE id = :id", id=events[2])
    result = verify(fresh)
    assert result.exit_code == 1 and f"entry {events[3]}: it links to" in result.output
    assert f"but entry {events[1]} ends the chain" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_entries_cut_off_the_end_disagree_with_the_head(fresh):
    events = seed(fresh)["events"]
    tamper(fresh, "DELETE FROM audit_events WHERE id >= :id", id=events[3])
    result = verify(fresh)
    assert result.exit_code == 1
    assert f"the log has 3 entries up to entry {events[2]} but its head records 5 entries" in result.output


@pytest.mark.parametrize("fresh", [b for b in BOTH if b[0] == "postgresql"], indirect=True, ids=_ids)
def test_truncate_is_refused_and_when_forced_shows(fresh):
    seed(fresh)
    with fresh.app_context(), db.engine.connect() as connection:
        for table in ("audit_events", "audit_chain"):
            with pytest.raises(Exception, match=r"append-only|only moves forward"), connection.begin():
                connection.execute(text(f"TRUNCATE {table}"))
    tamper(fresh, "TRUNCATE audit_events")
    result = verify(fresh)
    assert result.exit_code == 1
    assert "the log has 0 entries but its head records 5 entries" in result.output and "emptied" in result.output
    with fresh.app_context(), db.engine.begin() as connection:  # the owner turns the triggers back on
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        connection.execute(text("ALTER TABLE audit_chain ENABLE TRIGGER USER"))
    with fresh.app_context():
        audit.record("test.after", actor="cli")  # the app goes on from the head, not from scratch
        db.session.commit()
    result = verify(fresh)
    assert result.exit_code == 1 and "it links to" in result.output and "the start of the log" in result.output


@pytest.mark.parametrize("fresh", BOTH, indirect=True, ids=_ids)
def test_a_log_rebuilt_from_scratch_misses_the_head_kept_elsewhere(fresh):
    seed(fresh)
    kept = verify(fresh).output.strip().rsplit(" ", 1)[-1]
    tamper(fresh, "DELETE FROM audit_events",
           "UPDATE audit_chain SET entries = 0, last_id = NULL, last_hash = :genesis", genesis=GENESIS_HASH)
    build_triggers_again(fresh)
    with fresh.app_context():
        audit.record("test.rebuilt", actor="cli")
        db.session.commit()
    assert verify(fresh).exit_code == 0  # self-consistent...
    result = verify(fresh, "--expect", kept)
    assert result.exit_code == 1 and f"no entry has the hash {kept}" in result.output


def build_triggers_again(application) -> None:
    """The owner puts the guards back after a rebuild, so the app can append again."""
    from survey.database import TRIGGERS

    with application.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
            connection.execute(text("ALTER TABLE audit_chain ENABLE TRIGGER USER"))
            return
        for table in ("audit_events", "audit_chain"):
            for statement in TRIGGERS[table]["sqlite"]:
                if statement.startswith("CREATE TRIGGER"):
                    connection.execute(text(statement))


# --- migrations create exactly the models' triggers ------------------------------------------------

def trigger_definitions(application) -> dict[str, str]:
    with application.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        else:
            rows = connection.execute(text(
                "SELECT tgname, pg_get_triggerdef(t.oid) || ' ' || p.prosrc || ' ' || p.prosecdef::text"
                " FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"))
        return dict(rows.all())


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_create_the_same_triggers_as_the_models(backend, tmp_path_factory):
    found = {}
    for how in ("models", "migrations"):
        application = make_app(database_url(backend, tmp_path_factory, label=f"triggers_{how}"),
                               tmp_path_factory.mktemp("instance-triggers"))
        build_schema(application, how)
        found[how] = trigger_definitions(application)
        with application.app_context():
            assert db.session.get(AuditChain, 1).last_hash == GENESIS_HASH
            db.session.remove()
            db.engine.dispose()
    assert found["models"] == found["migrations"]
    assert {"trg_audit_events_no_replace", "trg_questionnaire_versions_no_replace"} <= set(found["models"]) or (
        backend == "postgresql" and "trg_audit_events_advance" in found["models"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_hashes_the_entries_already_there(backend, tmp_path_factory):
    application = make_app(database_url(backend, tmp_path_factory, label="tamper_upgrade"),
                           tmp_path_factory.mktemp("instance-upgrade"))
    with application.app_context():
        upgrade(revision="0001_initial")
        with db.engine.begin() as connection:
            for n, at in enumerate(("2025-03-01 10:00:00.123456+00:00", "2025-03-02 11:30:00+00:00")):
                connection.execute(text(
                    "INSERT INTO audit_events (at, actor, action, object_type, object_id, ip, details)"
                    " VALUES (:at, 'jefa@example.org', 'user.create', 'user', :n, '203.0.113.9', :details)"),
                    {"at": at, "n": str(n), "details": '{"role": "analista", "ñ": [1, 2.5]}'})
        upgrade()
    result = verify(application)
    assert result.exit_code == 0 and "2 entries, chain intact" in result.output
    with application.app_context():
        audit.record("test.after_upgrade", actor="cli")
        db.session.commit()
        db.session.remove()
    assert "3 entries, chain intact" in verify(application).output
    with application.app_context():
        db.engine.dispose()
