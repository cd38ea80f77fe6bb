"""An admin who lost their password gets back in from the shell; `survey user list` shows who is who."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from survey.extensions import db, limiter
from survey.models import AuditEvent
from survey.services import users
from tests.factories import (
    PASSWORD,
    login_as,
    login_through_form,
    make_user,
    use_fast_password_hashing,
)

NEW_PASSWORD = "otra clave bastante larga"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def password_events(db_session, user) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "user.password", AuditEvent.object_id == str(user.id))
    return list(db_session.scalars(query))


def test_a_generated_one_time_password_lets_the_admin_back_in_and_must_be_replaced(client, runner, db_session):
    admin = make_user("admin", "jefa@example.org")
    login_as(client, admin)  # a session somewhere, e.g. on a stolen laptop
    assert client.get("/admin/users").status_code == 200

    result = runner.invoke(args=["user", "set-password", "JEFA@example.org", "--generate"])

    assert result.exit_code == 0, result.output
    one_time = re.search(r"one-time password: (\S+)", result.output).group(1)
    assert len(one_time) >= 16
    ended = client.get("/admin/users")  # the old session has ended (not merely sent to choose a password)
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert not users.authenticate("jefa@example.org", PASSWORD).is_success
    assert login_through_form(client, "jefa@example.org", one_time).status_code == 302
    forced = client.get("/admin/users")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/password")
    [event] = password_events(db_session, admin)
    assert event.actor == "cli" and event.details == {"by": "cli", "generated": True}


def test_a_password_from_stdin_is_the_users_own(runner, db_session):
    admin = make_user("admin", "jefa@example.org")

    result = runner.invoke(args=["user", "set-password", "jefa@example.org", "--password-stdin"],
                           input=NEW_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert users.authenticate("jefa@example.org", NEW_PASSWORD).is_success
    assert not admin.has_temporary_password
    assert password_events(db_session, admin)[0].details == {"by": "cli"}


def test_an_unknown_account_a_weak_password_or_both_options_change_nothing(runner, db_session):
    admin = make_user("admin", "jefa@example.org")
    db_session.commit()  # a refused command rolls back its own work, not the account made before it
    version = admin.session_version

    unknown = runner.invoke(args=["user", "set-password", "nadie@example.org", "--generate"])
    weak = runner.invoke(args=["user", "set-password", "jefa@example.org", "--password-stdin"], input="corta\n")
    both = runner.invoke(args=["user", "set-password", "jefa@example.org", "--password-stdin", "--generate"])

    assert unknown.exit_code == 1 and "no account with e-mail nadie@example.org" in unknown.output
    assert weak.exit_code == 1 and "La contraseña debe tener entre 10 y 1024 caracteres." in weak.output
    assert both.exit_code == 2 and "not both" in both.output
    assert users.authenticate("jefa@example.org", PASSWORD).is_success
    assert db.session.get(type(admin), admin.id).session_version == version
    assert password_events(db_session, admin) == []


def test_a_deactivated_account_gets_its_password_and_a_reminder_that_it_is_off(runner, db_session):
    analyst = make_user("analyst", "analista@example.org")
    users.deactivate(analyst, by=make_user("admin"))

    result = runner.invoke(args=["user", "set-password", "analista@example.org", "--generate"])

    assert result.exit_code == 0 and "deactivated" in result.output


def test_the_list_shows_email_role_whether_active_and_last_login(runner, db_session):
    admin = make_user("admin", "jefa@example.org")
    admin.last_login_at = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)
    users.deactivate(make_user("analyst", "ex-analista@example.org"), by=admin)
    make_user("editor", "editora@example.org")

    result = runner.invoke(args=["user", "list"])

    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["email", "role", "active", "last", "login"]
    rows = {line[0]: line[1:] for line in lines[1:]}
    assert rows["jefa@example.org"] == ["admin", "yes", "2026-03-14", "15:09", "UTC"]
    assert rows["editora@example.org"] == ["editor", "yes", "never"]
    assert rows["ex-analista@example.org"] == ["analyst", "no", "never"]
    emails = [line[0] for line in lines[1:]]
    assert emails.index("ex-analista@example.org") > emails.index("editora@example.org")  # active ones first
    header, *table = result.output.splitlines()
    assert all(line[header.index("role"):].split()[0] in ("admin", "editor", "analyst") for line in table)
