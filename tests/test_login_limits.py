"""Login rate limits: about 10 failures per 15 minutes per address and per account, never failing open."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from survey.extensions import limiter
from survey.models import AuditEvent
from tests.factories import login_through_form, make_user, use_fast_password_hashing


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(request):
    """Every test on the app starts with empty rate-limit counters."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app")
        limiter.reset()



def test_eleventh_bad_try_from_one_address_is_refused(client, db_session):
    user = make_user("editor")
    for n in range(10):
        # a different account each time: the address limit alone must stop this
        response = client.post("/login", data={"email": f"guess{n}@example.org", "password": "wrong password"})
        assert response.status_code == 200, n
    refused = client.post("/login", data={"email": "guess99@example.org", "password": "wrong password"})
    assert refused.status_code == 429
    assert '<html lang="es">' in refused.text
    assert "Demasiados intentos" in refused.text
    # while limited, even the right password is refused, and nobody is logged in
    assert login_through_form(client, user.email).status_code == 429
    assert client.get("/admin/users").status_code == 302
    # another address is not affected
    assert login_through_form(client, user.email, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_one_account_is_limited_across_many_addresses(client, db_session):
    user = make_user("admin")
    for n in range(10):
        response = client.post("/login", data={"email": user.email, "password": "wrong password"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        assert response.status_code == 200, n
    refused = login_through_form(client, user.email, REMOTE_ADDR="10.0.0.200")
    assert refused.status_code == 429
    assert user.last_login_at is None
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "login.success")) is None
    # the limit counts the account however its address is typed
    assert login_through_form(client, f" {user.email.upper()} ", REMOTE_ADDR="10.0.0.201").status_code == 429
    # other accounts from those addresses still get in
    other = make_user("editor")
    assert login_through_form(client, other.email, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(app, db_session):
    user = make_user("editor")
    for _ in range(12):
        assert login_through_form(app.test_client(), user.email).status_code == 302


PROBE = """
import sys, uuid
from survey import create_app
from survey.extensions import db
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2] + "/probe.sqlite",
                  "SECRET_KEY": "x" * 40, "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": sys.argv[1],
                  "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}, instance_path=sys.argv[2])
with app.app_context():
    db.create_all()
    client = app.test_client()
    print(*[client.post("/login", data={"email": "x@example.org", "password": "wrong password"}).status_code
            for _ in range(11)])
"""


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("storage", [
    pytest.param("redis://127.0.0.1:6379/0", id="redis",
                 marks=pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")),
    pytest.param("redis://127.0.0.1:1/0", id="redis-down"),
])
def test_limiter_counts_on_redis_and_never_fails_open_without_it(tmp_path, storage):
    # A separate process: the limiter is a singleton and must not keep a dead storage here.
    result = subprocess.run([sys.executable, "-c", PROBE, storage, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"] * 10 + ["429"]
