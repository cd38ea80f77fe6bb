"""Staff login, logout, session lifetime, own password and language: stories through the test client."""
from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from survey.auth import session as staff_session
from survey.extensions import limiter
from survey.models import AuditEvent
from tests.factories import PASSWORD, login_as, login_through_form, make_user, use_fast_password_hashing


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(request):
    """Every test on the app starts with empty rate-limit counters."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app")
        limiter.reset()


def events(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.text).group(1)


def without_tokens(text: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", text)


# --- logging in -------------------------------------------------------------------------


def test_staff_member_logs_in_and_lands_on_next_page(client, db_session):
    user = make_user("editor", "ana@example.org")
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="password"' in page.text
    assert "Iniciar sesión" in page.text

    response = client.post("/login?next=/admin/users", data={"email": "ANA@example.org ", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})

    assert response.status_code == 302
    assert response.location == "/admin/users"
    assert user.last_login_at is not None
    (event,) = events(db_session, "login.success")
    assert (event.actor, event.actor_id, event.object_id, event.ip) == (user.email, user.id, str(user.id), "10.1.2.3")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_login_never_redirects_off_site(client, db_session, target):
    user = make_user("analyst")
    response = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location.startswith("/") and not response.location.startswith("//")
    assert "evil" not in response.location


def test_unknown_user_and_wrong_password_get_the_same_answer(client, db_session):
    user = make_user("editor")
    wrong = client.post("/login", data={"email": user.email, "password": "not the password at all"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "not the password at all"})

    assert wrong.status_code == unknown.status_code == 200
    assert "Correo o contraseña incorrectos." in wrong.text
    # identical but for the e-mail typed, which the form shows back
    assert without_tokens(wrong.text).replace(user.email, "@") == without_tokens(unknown.text).replace(
        "nobody@example.org", "@")
    failed = events(db_session, "login.failed")
    assert [e.details["email"] for e in failed] == [user.email, "nobody@example.org"]
    assert [e.details["reason"] for e in failed] == ["password", "unknown"]
    assert all("not the password" not in str(e.details) for e in failed)
    assert all(e.actor == "anonymous" and e.actor_id is None for e in failed)


def test_deactivated_account_cannot_log_in_and_gets_the_same_answer(client, db_session):
    user = make_user("editor")
    user.is_enabled = False
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Correo o contraseña incorrectos." in response.text
    assert client.get("/admin/users").status_code == 302


def test_empty_and_oversized_fields_are_refused_next_to_the_field(client, db_session):
    response = client.post("/login", data={"email": "", "password": ""})
    assert "Escriba su correo electrónico." in response.text
    assert "Escriba su contraseña." in response.text
    response = client.post("/login", data={"email": "a" * 300 + "@example.org", "password": "x" * 2000})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert events(db_session, "login.failed") == []


def test_typed_email_is_shown_back_as_text(client, db_session):
    response = client.post("/login", data={"email": '"><script>alert(1)</script>', "password": "whatever it is"})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text or "&#34;&gt;&lt;script&gt;" in response.text


def test_login_starts_a_fresh_session_but_keeps_the_language(client, db_session):
    user = make_user("editor")
    client.get("/login?lang=en")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login_through_form(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
        assert session["_user_id"] == user.get_id()
        assert session[staff_session.LOGIN_AT] <= time.time()


def argon2_parameters(encoded: str) -> tuple[int, int]:
    match = re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", encoded)
    assert match, encoded
    return int(match.group(1)), int(match.group(2))


def test_production_hashes_meet_owasp_minimum(fast_hashing):
    memory, rounds = argon2_parameters(fast_hashing.hash("a password of some length"))
    assert memory >= 19456 and rounds >= 2


def test_weak_hash_is_upgraded_at_login(client, db_session):
    user = make_user("editor")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db_session.flush()

    assert login_through_form(client, user.email).status_code == 302

    memory, rounds = argon2_parameters(user.password_hash)
    assert memory >= 19456 and rounds >= 2


def test_logged_in_user_on_login_page_goes_to_their_start_page(client, db_session):
    admin = make_user("admin")
    login_as(client, admin)
    response = client.get("/login")
    assert response.status_code == 302
    assert response.location != "/login"


# --- logout and revocation --------------------------------------------------------------


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    replayer = app.test_client()
    replayer.set_cookie("session", cookie)
    return replayer.get("/account/password")


def test_logout_ends_the_session_even_for_a_replayed_cookie(app, client, db_session):
    user = make_user("editor")
    login_through_form(client, user.email)
    stolen = _session_cookie(client)
    assert _replay(app, stolen).status_code == 200
    version = user.session_version

    response = client.post("/logout")

    assert response.status_code == 302 and response.location == "/login"
    assert user.session_version == version + 1
    assert client.get("/account/password").status_code == 302
    replay = _replay(app, stolen)
    assert replay.status_code == 302 and replay.location.startswith("/login")
    assert [e.actor for e in events(db_session, "logout")] == [user.email]


def test_logout_is_post_only(client, db_session):
    assert client.get("/logout").status_code == 405


def test_anonymous_logout_just_goes_to_login(client, db_session):
    response = client.post("/logout")
    assert response.status_code == 302
    assert events(db_session, "logout") == []


def test_idle_session_expires_after_thirty_minutes(client, db_session):
    user = make_user("editor")
    login_through_form(client, user.email)
    with client.session_transaction() as session:
        session[staff_session.SEEN_AT] = time.time() - 29 * 60
    assert client.get("/account/password").status_code == 200
    with client.session_transaction() as session:
        # the visit moved the idle clock forward
        assert session[staff_session.SEEN_AT] > time.time() - 60
        session[staff_session.SEEN_AT] = time.time() - 31 * 60

    response = client.get("/account/password")

    assert response.status_code == 302 and response.location.startswith("/login")
    assert "inactividad" in client.get(response.location).text
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_active_session_still_ends_after_twelve_hours(client, db_session):
    user = make_user("editor")
    login_through_form(client, user.email)
    with client.session_transaction() as session:
        session[staff_session.LOGIN_AT] = time.time() - 11 * 3600
    assert client.get("/account/password").status_code == 200
    with client.session_transaction() as session:
        session[staff_session.LOGIN_AT] = time.time() - 12 * 3600 - 5
    assert client.get("/account/password").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, db_session):
    user = make_user("editor")
    response = login_through_form(client, user.email)
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- own password ----------------------------------------------------------------------


def test_user_changes_own_password_and_other_sessions_end(app, client, db_session):
    user = make_user("analyst")
    login_through_form(client, user.email)
    other_device = app.test_client()
    login_through_form(other_device, user.email)

    wrong = client.post("/account/password", data={"current": "not my password", "new": "a brand new secret",
                                                  "confirm": "a brand new secret"})
    assert "La contraseña actual no es correcta." in wrong.text
    short = client.post("/account/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "entre 10 y 1024 caracteres" in short.text

    response = client.post("/account/password", data={"current": PASSWORD, "new": "a brand new secret",
                                                     "confirm": "a brand new secret"})

    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    assert other_device.get("/account/password").status_code == 302
    (event,) = events(db_session, "user.password")
    assert event.actor == user.email and event.details == {"by": "self"}
    assert login_through_form(app.test_client(), user.email, "a brand new secret").status_code == 302


def test_a_temporary_password_must_be_replaced_before_anything_else(client, db_session):
    user = make_user("editor")
    user.has_temporary_password = True
    login_through_form(client, user.email)

    for path in ("/", "/admin/users", "/builder/"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/account/password", path
    page = client.get("/account/password")
    assert page.status_code == 200 and "Elija su propia contraseña" in page.text
    same = client.post("/account/password", data={"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD})
    assert "La nueva contraseña debe ser distinta de la actual." in same.text

    client.post("/account/password", data={"current": PASSWORD, "new": "my very own secret",
                                           "confirm": "my very own secret"})

    assert not user.has_temporary_password
    assert client.get("/").status_code == 200


# --- language ---------------------------------------------------------------------------


def test_spanish_by_default_and_the_choice_sticks(client, db_session):
    assert html_lang(client.get("/login")) == "es"
    assert html_lang(client.get("/login?lang=en")) == "en"
    with client.session_transaction() as session:
        assert session["lang"] == "en"
    assert html_lang(client.get("/")) == "en"

    user = make_user("admin")
    login_through_form(client, user.email)
    assert html_lang(client.get("/admin/users")) == "en"

    switched = client.post("/lang", data={"lang": "es", "next": "/admin/audit"})
    assert switched.location == "/admin/audit"
    assert html_lang(client.get("/admin/users")) == "es"
    client.post("/logout")
    assert html_lang(client.get("/login")) == "es"
