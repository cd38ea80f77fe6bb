"""50 simultaneous submits of one invitation against a running server: exactly one response.

A real threaded HTTP server over a database with committed data (a SQLite file, and a PostgreSQL
database of its own), 50 client threads released together by a barrier, each posting the same
submission (same session, CSRF token and nonce, as a double click or a replay would).
"""
from __future__ import annotations

import http.client
import re
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from survey.extensions import db
from survey.models import Answer, OutboxMessage, ResponseRevision
from survey.services import responses
from tests.conftest import BACKENDS, database_url, make_app
from tests.factories import make_invitation, make_round
from tests.respond_support import pnat_pages, use_memory_broker

pytestmark = pytest.mark.slow

CLIENTS = 50


class _QuietHandler(WSGIRequestHandler):
    """No access log: request lines carry the personal-link token."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(params=BACKENDS)
def served(request, tmp_path_factory):
    """(app, base URL, token) of an invitation answered completely but not yet submitted."""
    url = database_url(request.param, tmp_path_factory, label="concurrency")
    app = make_app(url, tmp_path_factory.mktemp("instance"), WTF_CSRF_ENABLED=True)
    use_memory_broker(app)
    with app.app_context():
        db.create_all()
        from survey.services.reference import load_reference

        load_reference()
        invitation, token = make_invitation(make_round())
        with app.test_request_context():
            for key, form in pnat_pages().items():
                assert responses.save_page(invitation, key, form, require_complete=True).ok
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", token
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _request(base: str, method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, dict, str]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body or None, headers=headers)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_fifty_simultaneous_submits_make_one_response(served):
    app, base, token = served
    status, headers, page = _request(base, "GET", f"/r/{token}/review")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    csrf = re.search(r'<form method="post" action="[^"]*/submit"[^>]*>\s*<input type="hidden" name="csrf_token" '
                     r'value="([^"]+)"', page).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    body = f"csrf_token={csrf}&nonce={nonce}"
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        status, headers, _ = _request(base, "POST", f"/r/{token}/submit", body, cookie)
        with lock:
            results.append((status, headers.get("Location", "")))

    threads = [threading.Thread(target=submit) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == CLIENTS
    assert {status for status, _ in results} == {303}, results
    winners = [location for _, location in results if location.endswith("/done")]
    replays = [location for _, location in results if location.endswith("/done?already=1")]
    assert len(winners) == 1 and len(replays) == CLIENTS - 1
    with app.app_context():
        revisions = db.session.scalars(select(ResponseRevision)).all()
        assert [revision.number for revision in revisions] == [1]
        response = revisions[0].response
        assert response.revision == 1 and response.invitation.status == "submitted"
        receipts = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.kind == "receipt"))
        assert receipts == 1
        rows = db.session.scalar(select(func.count()).select_from(Answer))
        distinct = db.session.scalar(select(func.count()).select_from(
            select(Answer.question_key, Answer.item).distinct().subquery()))
        assert rows == distinct > 40
        db.session.remove()
