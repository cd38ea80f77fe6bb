"""Security headers on every public page and on staff pages; forms refuse a missing or foreign CSRF token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.extensions import db, limiter
from survey.models import AuditEvent, User
from tests.factories import (
    PASSWORD,
    login_as,
    make_invitation,
    make_round,
    make_user,
    use_fast_password_hashing,
)
from tests.route_support import access_of, dummy_url, is_static


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def assert_secure_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert directives.get("object-src") == "object-src 'none'", where
    assert directives.get("base-uri") == "base-uri 'none'", where
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert "'unsafe-inline'" not in csp, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where


def csrf_token_of(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text).group(1)


def audit_count(db_session) -> int:
    return db_session.scalar(select(func.count(AuditEvent.id)))


def test_every_public_page_sends_the_security_headers(app, client, db_session):
    checked = []
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        if "GET" not in rule.methods or not (is_static(rule.endpoint) or (access and access.is_public)):
            continue
        limiter.reset()
        url = dummy_url(rule)
        response = client.get(url)
        assert response.status_code < 500, url
        assert_secure_headers(response, url)
        checked.append(url)
    with client.get("/static/survey.css") as stylesheet:
        assert stylesheet.status_code == 200
        assert_secure_headers(stylesheet, "stylesheet")
    assert_secure_headers(client.get("/no/such/page"), "404")
    assert "/login" in checked and "/" in checked


def test_staff_pages_and_error_pages_send_the_security_headers(client, db_session):
    admin = make_user("admin")
    target = make_user("editor")
    login_as(client, admin)
    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}", "/admin/audit",
                "/account/password"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert_secure_headers(response, url)
    login_as(client, make_user("analyst"))
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "Acceso no permitido" in forbidden.text
    assert_secure_headers(forbidden, "403")


def test_rate_limit_page_sends_the_security_headers(client, db_session):
    for _ in range(11):
        response = client.post("/login", data={"email": "x@example.org", "password": "wrong password"})
    assert response.status_code == 429
    assert_secure_headers(response, "429")


# --- CSRF --------------------------------------------------------------------------------


def test_login_without_a_valid_token_is_refused(app, client, db_session, csrf_enabled):
    user = make_user("editor")
    stranger_token = csrf_token_of(app.test_client().get("/login"))
    page = client.get("/login")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": stranger_token}):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD} | data)
        assert response.status_code == 400, data
        assert "no se guardó nada" in response.text
        assert_secure_headers(response, "csrf error")
    assert audit_count(db_session) == 0
    assert user.last_login_at is None
    # the same form with its own token works
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token_of(page)})
    assert response.status_code == 302


def test_logout_without_a_token_keeps_the_session(client, db_session, csrf_enabled):
    user = make_user("editor")
    login_as(client, user)
    version = user.session_version
    assert client.post("/logout").status_code == 400
    assert user.session_version == version
    assert client.get("/account/password").status_code == 200


def test_admin_posts_without_a_valid_token_change_nothing(app, client, db_session, csrf_enabled):
    admin = make_user("admin")
    editor = make_user("editor")
    login_as(client, admin)
    own_token = csrf_token_of(client.get("/admin/users/new"))
    other = app.test_client()
    login_as(other, make_user("admin"))
    foreign_token = csrf_token_of(other.get("/admin/users/new"))
    users_before, events_before, hash_before = (
        db_session.scalar(select(func.count(User.id))), audit_count(db_session), editor.password_hash)

    attempts = [
        ("/admin/users/new", {"email": "intruso@example.org", "role": "admin", "password": "a long password"}),
        (f"/admin/users/{editor.id}/role", {"role": "admin"}),
        (f"/admin/users/{editor.id}/deactivate", {}),
        (f"/admin/users/{editor.id}/password", {"password": "a long password", "confirm": "a long password"}),
    ]
    for path, data in attempts:
        for token in (None, "forged", foreign_token):
            sent = data if token is None else data | {"csrf_token": token}
            assert client.post(path, data=sent).status_code == 400, (path, token)

    assert db_session.scalar(select(func.count(User.id))) == users_before
    assert (editor.role, editor.is_enabled, editor.password_hash) == ("editor", True, hash_before)
    assert audit_count(db_session) == events_before
    # with its own token the same request goes through
    response = client.post(f"/admin/users/{editor.id}/role", data={"role": "analyst", "csrf_token": own_token})
    assert response.status_code == 302 and editor.role == "analyst"


def row_counts(db_session) -> dict[str, int]:
    return {table.name: db_session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_every_post_route_refuses_a_missing_or_forged_token(app, client, db_session, csrf_enabled):
    login_as(client, make_user("admin"))
    before = row_counts(db_session)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) > 10
    for rule in posts:
        for data in ({}, {"csrf_token": "forged"}):
            limiter.reset()
            response = client.post(dummy_url(rule), data=data)
            # 404: the answer pages' own CSRF handler first looks the (dummy) token up
            assert response.status_code in (400, 404), (rule.rule, data)
    assert row_counts(db_session) == before


# --- Over HTTPS (issue 10): the Referer reaches our own pages, never other sites -------------------

SITE = "https://encuestas.example.org"


def test_over_https_a_form_with_its_token_and_our_referer_goes_through(client, db_session, csrf_enabled):
    user = make_user("editor")
    page = client.get("/login", base_url=SITE)
    assert page.headers["Referrer-Policy"] == "same-origin"  # so the browser sends the next header
    response = client.post("/login", base_url=SITE, headers={"Referer": f"{SITE}/login",
                                                              "Sec-Fetch-Site": "same-origin"},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_of(page)})
    assert response.status_code == 302
    assert user.last_login_at is not None


def test_over_https_a_post_from_another_site_is_refused_even_with_a_valid_token(client, db_session, csrf_enabled):
    user = make_user("editor")
    token = csrf_token_of(client.get("/login", base_url=SITE))
    attempts = {
        "no referer (the strict check stays on)": {},
        "another site's referer": {"Referer": "https://evil.example/login"},
        "our host on another port": {"Referer": "https://encuestas.example.org:8443/login"},
        "fetch metadata says cross-site": {"Referer": f"{SITE}/login", "Sec-Fetch-Site": "cross-site"},
        "fetch metadata says same-site": {"Referer": f"{SITE}/login", "Sec-Fetch-Site": "same-site"},
    }
    for case, headers in attempts.items():
        response = client.post("/login", base_url=SITE, headers=headers,
                               data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 400, case
        assert "no se guardó nada" in response.text, case
        assert_secure_headers(response, case)
    assert user.last_login_at is None and audit_count(db_session) == 0


def test_over_plain_http_a_cross_site_post_is_still_refused(client, db_session, csrf_enabled):
    # Flask-WTF compares the Referer over HTTPS only; fetch metadata holds everywhere.
    user = make_user("editor")
    token = csrf_token_of(client.get("/login"))
    refused = client.post("/login", headers={"Sec-Fetch-Site": "cross-site"},
                          data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 400 and user.last_login_at is None
    accepted = client.post("/login", headers={"Sec-Fetch-Site": "same-origin"},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert accepted.status_code == 302


def test_a_link_followed_from_another_site_opens(client, db_session, csrf_enabled):
    # Webmail is another site: the personal link in an e-mail arrives as a cross-site GET.
    _invitation, token = make_invitation(make_round())
    welcome = client.get(f"/r/{token}/", base_url=SITE, headers={"Sec-Fetch-Site": "cross-site"})
    assert welcome.status_code == 200
    assert_secure_headers(welcome, "personal link")
    assert client.get("/login", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_over_https_an_official_saves_a_page_and_another_site_cannot(client, db_session, csrf_enabled):
    _invitation, token = make_invitation(make_round())
    link = f"{SITE}/r/{token}"
    section = client.get(f"/r/{token}/s/profile", base_url=SITE)
    assert section.status_code == 200
    form = {"csrf_token": csrf_token_of(section), "institution": "mininter"}
    forged = client.post(f"/r/{token}/s/profile", base_url=SITE, data=form,
                         headers={"Referer": f"{link}/s/profile", "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 400
    assert "Por seguridad, no pudimos guardar" in forged.text
    saved = client.post(f"/r/{token}/s/profile", base_url=SITE, data=form,
                        headers={"Referer": f"{link}/s/profile", "Sec-Fetch-Site": "same-origin"})
    assert saved.status_code in (200, 302) and "Por seguridad" not in saved.text
