"""Admins manage staff accounts in the browser; `survey user create` makes the first one."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db, limiter
from survey.models import AuditEvent, User
from tests.factories import PASSWORD, login_as, login_through_form, make_user, use_fast_password_hashing

NEW_PASSWORD = "temporary secret 2026"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


@pytest.fixture
def admin(client, db_session):
    """An admin logged in on the test client."""
    user = make_user("admin", "jefa@example.org")
    login_as(client, user)
    return user


def last_event(db_session, action: str) -> AuditEvent:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    return db_session.scalars(query).first()


def user_count(db_session) -> int:
    return db_session.scalar(select(func.count(User.id)))


def test_admin_lists_users_with_names_shown_as_text(client, admin, db_session):
    other = make_user("analyst", "analista@example.org")
    other.name = '<script>alert("x")</script><b>Rosa</b>'
    other.is_enabled = False
    db_session.flush()

    page = client.get("/admin/users")

    assert page.status_code == 200
    assert "analista@example.org" in page.text and "jefa@example.org" in page.text
    assert "<script>alert" not in page.text and "<b>Rosa</b>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "Desactivada" in page.text
    detail = client.get(f"/admin/users/{other.id}")
    assert "&lt;b&gt;Rosa&lt;/b&gt;" in detail.text


def test_admin_creates_an_account_that_can_log_in(app, client, admin, db_session):
    form = client.get("/admin/users/new")
    assert form.status_code == 200 and 'name="email"' in form.text

    response = client.post("/admin/users/new", data={
        "email": "  Nuevo.Editor@Example.ORG ", "name": "Nuevo <i>Editor</i>", "role": "editor",
        "password": NEW_PASSWORD,
    }, environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "nuevo.editor@example.org"))
    assert user.role == "editor" and user.name == "Nuevo <i>Editor</i>"
    assert response.location == f"/admin/users/{user.id}"
    event = last_event(db_session, "user.create")
    assert (event.actor, event.actor_id, event.object_type, event.object_id, event.ip) == (
        admin.email, admin.id, "user", str(user.id), "192.0.2.7")
    assert event.details == {"role": "editor"}
    assert NEW_PASSWORD not in str(event.details)
    assert user.has_temporary_password
    assert login_through_form(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("fields, message", [
    ({"email": "not-an-address"}, "Correo electrónico no válido"),
    ({"email": "<script>@x"}, "Correo electrónico no válido"),
    ({"email": ""}, "Escriba el correo electrónico."),
    ({"email": "a" * 250 + "@example.org"}, "Correo electrónico"),
    ({"name": "n" * 121}, "Nombre"),
    ({"password": "too short"}, "La contraseña debe tener entre 10 y 1024 caracteres."),
    ({"password": "p" * 1025}, "La contraseña debe tener entre 10 y 1024 caracteres."),
    ({"role": "superuser"}, "Rol"),
    ({"email": "JEFA@example.org"}, "Ya existe un usuario con el correo jefa@example.org."),
])
def test_bad_new_account_is_refused_with_a_clear_error_and_nothing_saved(client, admin, db_session, fields, message):
    data = {"email": "someone@example.org", "name": "Someone", "role": "analyst", "password": NEW_PASSWORD} | fields
    before = user_count(db_session)

    response = client.post("/admin/users/new", data=data)

    assert response.status_code == 400
    assert message in response.text
    assert "error-summary" in response.text
    assert user_count(db_session) == before
    assert last_event(db_session, "user.create") is None
    if data["email"] and len(data["email"]) < 100:
        assert 'value="' + data["email"].replace("<", "&lt;").replace(">", "&gt;") in response.text


def test_admin_changes_a_role_and_the_old_session_ends(app, client, admin, db_session):
    editor = make_user("editor")
    editor_client = app.test_client()
    login_through_form(editor_client, editor.email)
    assert editor_client.get("/account/password").status_code == 200

    response = client.post(f"/admin/users/{editor.id}/role", data={"role": "analyst"})

    assert response.status_code == 302
    assert editor.role == "analyst"
    event = last_event(db_session, "user.role")
    assert event.details == {"old": "editor", "new": "analyst"} and event.object_id == str(editor.id)
    assert editor_client.get("/account/password").status_code == 302
    # the same role again changes nothing and logs nothing
    client.post(f"/admin/users/{editor.id}/role", data={"role": "analyst"})
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.role")) == 1


def test_admin_cannot_demote_deactivate_or_reset_themselves(client, admin, db_session):
    demote = client.post(f"/admin/users/{admin.id}/role", data={"role": "editor"})
    assert demote.status_code == 400
    assert "No puede quitarse a sí mismo el rol de administrador." in demote.text
    assert admin.role == "admin"

    own_password = client.post(f"/admin/users/{admin.id}/password",
                               data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert own_password.status_code == 400 and "use «Mi contraseña»" in own_password.text
    assert not admin.has_temporary_password

    deactivate = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "No puede desactivar su propia cuenta." in deactivate.text
    assert admin.is_enabled
    assert last_event(db_session, "user.role") is None and last_event(db_session, "user.deactivate") is None
    assert client.get("/admin/users").status_code == 200


def test_admin_deactivates_and_reactivates_an_account(app, client, admin, db_session):
    analyst = make_user("analyst")
    analyst_client = app.test_client()
    login_through_form(analyst_client, analyst.email)

    response = client.post(f"/admin/users/{analyst.id}/deactivate")

    assert response.status_code == 302
    assert not analyst.is_enabled
    assert analyst_client.get("/account/password").status_code == 302
    refused = login_through_form(app.test_client(), analyst.email)
    assert refused.status_code == 200 and "Correo o contraseña incorrectos." in refused.text
    assert "Reactivar cuenta" in client.get(f"/admin/users/{analyst.id}").text

    client.post(f"/admin/users/{analyst.id}/reactivate")

    assert analyst.is_enabled
    assert login_through_form(app.test_client(), analyst.email).status_code == 302
    assert last_event(db_session, "user.deactivate").actor == admin.email
    assert last_event(db_session, "user.reactivate").object_id == str(analyst.id)


def test_admin_sets_a_temporary_password(app, client, admin, db_session):
    editor = make_user("editor")
    mismatch = client.post(f"/admin/users/{editor.id}/password",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and "Las contraseñas no coinciden." in mismatch.text
    version = editor.session_version

    client.post(f"/admin/users/{editor.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert editor.session_version == version + 1
    assert editor.has_temporary_password
    event = last_event(db_session, "user.password")
    assert event.details == {"by": "admin"} and event.actor == admin.email
    assert NEW_PASSWORD not in str(event.details)
    assert login_through_form(app.test_client(), editor.email, PASSWORD).status_code == 200
    assert login_through_form(app.test_client(), editor.email, NEW_PASSWORD).status_code == 302


def test_unknown_user_id_is_404(client, admin, db_session):
    assert client.get("/admin/users/987654").status_code == 404
    assert client.post("/admin/users/987654/deactivate").status_code == 404


@pytest.mark.parametrize("role", ["editor", "analyst"])
def test_other_roles_cannot_manage_users(client, db_session, role):
    target = make_user("analyst")
    login_as(client, make_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"email": "x@example.org", "role": "admin",
                                                 "password": NEW_PASSWORD}).status_code == 403
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    assert target.role == "analyst"
    assert user_count(db_session) == 2


def test_cli_creates_the_first_admin_from_stdin(runner, db_session):
    result = runner.invoke(args=["user", "create", "primera@example.org", "--role", "admin", "--password-stdin"],
                           input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "primera@example.org"))
    assert user.role == "admin"
    assert last_event(db_session, "user.create").actor == "cli"


def test_cli_refuses_a_weak_password_with_a_readable_message(runner, db_session):
    result = runner.invoke(args=["user", "create", "debil@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "La contraseña debe tener entre 10 y 1024 caracteres." in result.output
    assert db.session.scalar(select(User).where(User.email == "debil@example.org")) is None
