"""Login rate limits: per address and per (account, address), a brake per account that slows
without locking, an e-mail to the owner, and counters that never fail open."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from survey.auth import limits as login_limits
from survey.extensions import limiter
from survey.models import AuditEvent, OutboxMessage
from survey.services import mailer
from tests.factories import login_through_form, make_user, use_fast_password_hashing
from tests.respond_support import use_memory_broker


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_limits(request):
    """Every test on the app starts with empty rate-limit counters."""
    if "app" in request.fixturenames:
        use_memory_broker(request.getfixturevalue("app"))
        limiter.reset()


@pytest.fixture
def clock(monkeypatch):
    import limits.storage.memory

    now = {"t": 1_000_000.0}
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: now["t"]))
    return now


def fail(client, email: str, address: str = "127.0.0.1"):
    return client.post("/login", data={"email": email, "password": "wrong password"},
                       environ_base={"REMOTE_ADDR": address})


def main_of(response) -> str:
    return re.search(r"<main.*</main>", response.text, re.DOTALL).group(0)


def alerts(db_session) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).where(OutboxMessage.kind == login_limits.ALERT_KIND)))


def test_eleventh_bad_try_from_one_address_is_refused(client, db_session):
    user = make_user("editor")
    for n in range(10):
        # a different account each time: the address limit alone must stop this
        assert fail(client, f"guess{n}@example.org").status_code == 200, n
    refused = fail(client, "guess99@example.org")
    assert refused.status_code == 429
    assert '<html lang="es">' in refused.text
    assert "Demasiados intentos" in refused.text
    assert refused.headers["Retry-After"] == str(15 * 60)
    # while limited, even the right password is refused, and nobody is logged in
    assert login_through_form(client, user.email).status_code == 429
    assert client.get("/admin/users").status_code == 302
    # another address is not affected
    assert login_through_form(client, user.email, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_one_guesser_loses_the_pair_but_the_owner_elsewhere_gets_in(client, db_session):
    user = make_user("admin")
    for n in range(login_limits.PAIR.item.amount):
        assert fail(client, user.email, "10.0.0.66").status_code == 200, n
    # this account from this address is refused for the window, however the e-mail is typed...
    assert login_through_form(client, f" {user.email.upper()} ", REMOTE_ADDR="10.0.0.66").status_code == 429
    # ...other accounts from that address still get their tries...
    other = make_user("editor")
    assert login_through_form(client, other.email, REMOTE_ADDR="10.0.0.66").status_code == 302
    # ...and the owner from their own address gets in
    assert login_through_form(app_client(client), user.email, REMOTE_ADDR="10.0.0.1").status_code == 302


def app_client(client):
    return client.application.test_client()


def test_failures_from_many_addresses_do_not_lock_the_account(client, db_session):
    user = make_user("admin")
    for n in range(20):
        assert fail(client, user.email, f"10.0.1.{n + 1}").status_code == 200, n
    # the old lock-out: 10 failures from 10 addresses refused the owner everywhere for 15 minutes
    assert login_through_form(client, user.email, REMOTE_ADDR="10.0.2.1").status_code == 302


def test_a_crowd_of_addresses_is_braked_and_the_owner_still_gets_in(client, db_session, clock):
    user = make_user("admin")
    # the owner logged in from the office before
    assert login_through_form(app_client(client), user.email, REMOTE_ADDR="10.7.7.7").status_code == 302
    for n in range(login_limits.BRAKE_AFTER):
        assert fail(client, user.email, f"10.0.3.{n + 1}").status_code == 200, n
    # from now on the account takes one attempt per few seconds from addresses new to it
    assert fail(client, user.email, "10.0.4.1").status_code == 200
    braked = fail(client, user.email, "10.0.4.2")
    assert braked.status_code == 429 and "Espere unos segundos" in braked.text
    assert braked.headers["Retry-After"] == str(login_limits.BRAKE_SECONDS)
    # the same answer for an e-mail nobody has (nothing tells which accounts exist)
    for n in range(login_limits.BRAKE_AFTER + 1):
        fail(client, "nobody@example.org", f"10.0.5.{n + 1}")
    assert main_of(fail(client, "nobody@example.org", "10.0.6.1")) == main_of(braked)
    # the office is not slowed at all
    assert login_through_form(app_client(client), user.email, REMOTE_ADDR="10.7.7.7").status_code == 302
    # a slowdown, not a lock: a few seconds later a new address gets its try, and it works
    clock["t"] += login_limits.BRAKE_SECONDS + 0.5
    assert login_through_form(app_client(client), user.email, REMOTE_ADDR="10.0.4.3").status_code == 302


def test_the_owner_is_told_once_per_window_with_the_count_and_the_addresses(client, db_session, app):
    user = make_user("editor")
    for n in range(login_limits.ALERT_AFTER - 1):
        fail(client, user.email, "10.0.8.1" if n % 2 else "10.0.8.2")
    assert alerts(db_session) == []
    for _ in range(5):
        assert fail(client, user.email, "10.0.8.3").status_code == 200
    (alert,) = alerts(db_session)  # one per window, not one per failure
    assert alert.to_addr == user.email and alert.invitation_id is None and alert.status == "pending"
    with app.test_request_context():
        rendered = mailer.render(mailer.draft(alert))
    assert rendered.subject == "Intentos fallidos de iniciar sesión en su cuenta"
    # queued at the 5th failure, rendered by the mail task later: it counts what the audit log holds
    assert "hubo 9 intentos fallidos" in rendered.text
    for address in ("10.0.8.1", "10.0.8.2", "10.0.8.3"):
        assert address in rendered.text and address in rendered.html
    assert "no está bloqueada" in rendered.text


def test_unknown_and_known_e_mails_get_the_same_answers(client, db_session):
    user = make_user("editor")
    known = [fail(client, user.email, "10.0.9.1") for _ in range(login_limits.PAIR.item.amount + 1)]
    unknown = [fail(client, "nobody@example.org", "10.0.9.2") for _ in range(login_limits.PAIR.item.amount + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 5 + [429]

    def main(response) -> str:
        return main_of(response).replace("nobody@example.org", user.email)

    assert [main(r) for r in known] == [main(r) for r in unknown]
    assert len(alerts(db_session)) == 1  # only the real account's owner is told


def test_successful_logins_do_not_count_against_the_limit(app, db_session):
    user = make_user("editor")
    for _ in range(12):
        assert login_through_form(app.test_client(), user.email).status_code == 302
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "login.failed")) is None


PROBE = """
import sys, uuid
from survey import create_app
from survey.extensions import db
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2] + "/probe.sqlite",
                  "SECRET_KEY": "x" * 40, "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": sys.argv[1],
                  "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}, instance_path=sys.argv[2])
app.extensions["celery"].conf.broker_url = "memory://"
with app.app_context():
    db.create_all()
    client = app.test_client()
    print(*[client.post("/login", data={"email": f"x{n}@example.org", "password": "wrong password"}).status_code
            for n in range(11)])
"""


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("storage", [
    pytest.param("survey+sql://", id="database"),
    pytest.param("redis://127.0.0.1:6379/0", id="redis",
                 marks=pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")),
    pytest.param("redis://127.0.0.1:1/0", id="redis-down"),
])
def test_limiter_counts_in_its_storage_and_never_fails_open_without_it(tmp_path, storage):
    # A separate process: the limiter is a singleton and must not keep a dead storage here.
    result = subprocess.run([sys.executable, "-c", PROBE, storage, str(tmp_path)], capture_output=True, text=True,
                            check=False, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"] * 10 + ["429"]
