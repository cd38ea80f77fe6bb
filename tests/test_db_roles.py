"""Production runs the app as a PostgreSQL role that does not own the tables: `survey db grant-app`
gives it what the app needs and nothing that could rewrite history (truncate, alter, disable triggers)."""
from __future__ import annotations

import secrets

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from survey.extensions import db
from survey.models import AuditEvent, Questionnaire
from tests.conftest import BACKENDS, PG_ADMIN_DSN, _suffix, fresh_pg_database, make_app
from tests.factories import login_through_form, make_user, use_fast_password_hashing

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL roles")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(scope="module")
def owner_app(tmp_path_factory):
    """A migrated database owned by the connecting (owner) role, reference data loaded."""
    url = fresh_pg_database(f"survey_test_roles_{_suffix()}")
    application = make_app(url, tmp_path_factory.mktemp("instance-roles"))
    with application.app_context():
        upgrade()
    assert application.test_cli_runner().invoke(args=["load-reference"]).exit_code == 0
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def app_role(owner_app):
    """A fresh LOGIN role, dropped (with what it was granted) at the end."""
    role = f"survey_app_{_suffix()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    yield role
    with owner_app.app_context():
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def as_role(owner_app, role: str) -> str:
    """The owner's database URL, connecting as *role* instead."""
    with owner_app.app_context():
        return db.engine.url.set(username=role).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def granted(owner_app, app_role):
    """The role after `survey db grant-app`, run twice as a release would."""
    for _ in range(2):
        result = owner_app.test_cli_runner().invoke(args=["db", "grant-app", app_role])
        assert result.exit_code == 0, result.output
    assert "granted" in result.output
    return app_role


@pytest.fixture(scope="module")
def role_app(owner_app, granted, tmp_path_factory):
    """The application connected as the granted role, committing for real."""
    application = make_app(as_role(owner_app, granted), tmp_path_factory.mktemp("instance-app-role"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_app_role_logs_in_saves_a_draft_and_writes_the_audit_log(role_app):
    with role_app.app_context():
        email = f"editora-{secrets.token_hex(3)}@example.org"
        make_user("editor", email)
        db.session.commit()
        client = role_app.test_client()
        assert login_through_form(client, email).status_code == 302
        created = client.post("/builder/new", data={"key": "anual-roles", "title_es": "Cuestionario anual",
                                                    "title_en": "Annual questionnaire", "framework": "pnat-2017-2021"})
        assert created.status_code == 302
        db.session.remove()
        assert db.session.scalar(select(Questionnaire).where(Questionnaire.key == "anual-roles")).draft is not None
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == email)))
        assert {"login.success", "questionnaire.create"} <= actions


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_events",
    "TRUNCATE questionnaire_versions",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "ALTER TABLE questionnaire_versions DISABLE TRIGGER USER",
    "UPDATE audit_events SET action = 'rewritten'",
    "DELETE FROM audit_events",
    "DROP TABLE audit_events",
    "CREATE TABLE intruder (id int)",
    "CREATE TRIGGER t BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "UPDATE alembic_version SET version_num = 'x'",
    "UPDATE audit_chain SET entries = 0",
    "DELETE FROM audit_chain",
    "TRUNCATE audit_chain",
    "ALTER TABLE audit_chain DISABLE TRIGGER USER",
])
def test_the_app_role_cannot_rewrite_history_or_the_schema(owner_app, role_app, granted, statement):
    with role_app.app_context(), db.engine.connect() as connection, pytest.raises(Exception) as refused:
        connection.execute(text(statement))
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value


def test_the_app_role_cannot_append_an_entry_that_does_not_link_and_can_verify_the_chain(role_app):
    with role_app.app_context(), db.engine.connect() as connection, pytest.raises(Exception, match="does not link"):
        connection.execute(text(
            "INSERT INTO audit_events (at, actor, action, object_type, object_id, ip, details, prev_hash, entry_hash)"
            " VALUES (now(), 'x', 'forged', '', '', '', '{}', repeat('0', 64), repeat('f', 64))"))
    result = role_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output


def test_the_grants_are_exact(owner_app, granted):
    with owner_app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) FROM"
            " information_schema.role_table_grants WHERE grantee = :role GROUP BY table_name"), {"role": granted}).all()
    privileges = dict(rows)
    assert privileges["audit_events"] == "INSERT,SELECT"
    assert privileges["audit_chain"] == "SELECT"
    assert privileges["alembic_version"] == "SELECT"
    assert privileges["questionnaire_versions"] == "DELETE,INSERT,SELECT,UPDATE"
    assert not any("TRUNCATE" in p or "TRIGGER" in p or "REFERENCES" in p for p in privileges.values())


def test_a_hand_granted_extra_is_taken_back_by_running_it_again(owner_app, granted):
    with owner_app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f'GRANT ALL ON audit_events TO "{granted}"'))
    assert owner_app.test_cli_runner().invoke(args=["db", "grant-app", granted]).exit_code == 0
    with owner_app.app_context(), db.engine.connect() as connection:
        assert not connection.execute(text("SELECT has_table_privilege(:r, 'audit_events', 'TRUNCATE, UPDATE')"),
                                      {"r": granted}).scalar_one()


def test_the_owner_a_superuser_or_an_unknown_role_is_refused(owner_app):
    runner = owner_app.test_cli_runner()
    for role, reason in (("postgres", "superuser"), (f"nobody_{secrets.token_hex(3)}", "does not exist")):
        result = runner.invoke(args=["db", "grant-app", role])
        assert result.exit_code != 0 and reason in result.output
