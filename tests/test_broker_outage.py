"""Redis down: a committed change answers success with a notice, and the sweep queues its work
once Redis is back. The app's real Celery producer points at a PRIVATE redis-server on a free port
that the test stops and starts (never the shared one on 6379)."""
from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from celery import Celery

from survey.extensions import db
from survey.models import Export, OutboxMessage, ResultRefresh
from survey.models._types import utcnow
from survey.services import catch_up
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_user,
    publish_document,
)
from workers.mail import sweep

pytestmark = pytest.mark.slow


class PrivateRedis:
    """redis-server on a free loopback port, no persistence; stopped and started by the test."""

    def __init__(self, tmp_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = tmp_path
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def tasks(self) -> list[tuple[str, list]]:
        """(task name, args) of every task waiting in the 'celery' queue."""
        client = redis.Redis.from_url(self.url)
        try:
            found = []
            for raw in client.lrange("celery", 0, -1):
                message = json.loads(raw)
                body = json.loads(base64.b64decode(message["body"]))
                found.append((message["headers"]["task"], body[0]))
            return found
        finally:
            client.close()


@pytest.fixture
def private_redis(app, tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    saved = app.extensions["celery"]
    producer = Celery(app.import_name, set_as_current=False)
    producer.config_from_object({**app.config["CELERY"], "broker_url": server.url,
                                 "broker_transport_options": {"visibility_timeout": 3600}})
    app.extensions["celery"] = producer
    app.config.update(SURVEY_OUTBOX_REQUEUE_AFTER=0, SURVEY_EXPORT_REQUEUE_AFTER=0)
    try:
        yield server
    finally:
        app.extensions["celery"] = saved
        producer.close()
        for key in ("SURVEY_OUTBOX_REQUEUE_AFTER", "SURVEY_EXPORT_REQUEUE_AFTER"):
            app.config.pop(key)
        server.stop()


def test_with_redis_down_changes_succeed_with_a_notice_and_the_sweep_queues_them_when_it_is_back(
        app, client, private_redis):
    editor = make_user("editor")
    draft = make_round(status="draft", created_by=editor)
    for _ in range(3):
        make_invitation(draft)
    open_round = make_round(created_by=editor)
    invitation, _token = make_invitation(open_round)
    db.session.commit()
    login_as(client, editor)

    # Redis up: the round opens and its invitations are queued, nothing to notice.
    page = client.post(f"/rounds/{draft.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "Ronda abierta" in page and "La cola de tareas no responde" not in page
    assert [name for name, _args in private_redis.tasks()] == ["mail.send"]

    private_redis.stop()
    started = time.monotonic()
    reissued = client.post(f"/rounds/{open_round.id}/invitations/{invitation.id}/reissue")
    assert reissued.status_code == 302  # committed, so not a 500
    page = client.get(reissued.headers["Location"]).get_data(as_text=True)
    assert "Nuevo enlace emitido" in page and "los correos saldrán en cuanto vuelva" in page
    requested = client.post(f"/results/rounds/{open_round.id}/exports", data={"lang": "es"})
    assert requested.status_code == 303
    page = client.get(requested.headers["Location"]).get_data(as_text=True)
    assert "el libro se preparará en cuanto vuelva" in page
    assert time.monotonic() - started < 15  # a refused connection fails fast, it does not hang the requests
    [export] = db.session.query(Export).filter_by(round_id=open_round.id).all()
    [resend] = db.session.query(OutboxMessage).filter_by(invitation_id=invitation.id).all()
    assert (export.status, resend.status) == ("queued", "pending")

    # Redis back (empty: it had no persistence): the next sweep queues the delayed work.
    private_redis.start()
    assert private_redis.tasks() == []
    with app.test_request_context():
        report = sweep.run()
    assert report["exports"] == 1
    queued = private_redis.tasks()
    assert ("exports.build", [export.id]) in queued
    sent_ids = {i for name, (ids, *_rest) in queued if name == "mail.send" for i in ids}
    assert resend.id in sent_ids


def test_results_left_out_of_date_by_a_lost_task_are_asked_for_again(app, db_session):
    round_ = make_round(publish_document(export_document()))
    invitation, _ = make_invitation(round_)
    submitted_at = utcnow() - timedelta(minutes=10)
    make_response(invitation, {"has_plan": True}, submitted_at=submitted_at)
    db.session.flush()
    now = utcnow()
    assert catch_up.rounds_with_stale_results(now) == [round_.id]  # never computed
    db.session.add(ResultRefresh(round_id=round_.id, computed_at=submitted_at + timedelta(seconds=1)))
    db.session.flush()
    assert catch_up.rounds_with_stale_results(now) == []  # the computation covers the submission
    fresh_one, _ = make_invitation(round_)
    make_response(fresh_one, {"has_plan": False}, submitted_at=now - timedelta(seconds=30))
    db.session.flush()
    assert catch_up.rounds_with_stale_results(now) == []  # its debounced run may still come
    assert catch_up.rounds_with_stale_results(now + timedelta(minutes=5)) == [round_.id]
