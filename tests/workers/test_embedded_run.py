"""The embedded run: `survey serve` starts the web app, a worker and beat with no Redis
(kombu's SQLite transport) and no mail server; reminders go out to the outbox."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from survey.extensions import db
from survey.models import OutboxMessage
from survey.models._types import utcnow
from tests.factories import make_invitation, make_round, publish_document
from tests.workers.harness import MARKS, ROOT, Stack, free_port, wait_until

pytestmark = MARKS

DUE_NOW = {"days_before_close": [7], "interval_days": None, "max_count": 2, "quiet_start": "00:00",
           "quiet_end": "00:00", "escalate_after": None, "escalate_to": None}


def reminders_sent(stack, invitation_ids):
    with stack.app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.invitation_id.in_(invitation_ids), OutboxMessage.kind == "reminder",
            OutboxMessage.status == "sent")))
        db.session.expunge_all()
        db.session.remove()
    return found if len(found) == len(invitation_ids) else None


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_survey_serve_runs_everything_and_reminders_reach_the_outbox(tmp_path):
    stack = Stack(tmp_path, smtp=None, broker=None)
    with stack.app.app_context():
        round_ = make_round(publish_document(), reminder_policy=DUE_NOW, closes_at=utcnow() + timedelta(days=6))
        invitations = [make_invitation(round_) for _ in range(3)]
        for invitation, _token in invitations:
            invitation.invited_at = utcnow() - timedelta(days=20)
        db.session.commit()
        invitation_ids = [invitation.id for invitation, _token in invitations]
        tokens = [token for _invitation, token in invitations]
        db.session.remove()
    port = free_port()
    env = {**stack.env, "SURVEY_REMINDER_EVERY": "1", "SURVEY_SWEEP_EVERY": "1"}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    serve = subprocess.Popen([str(Path(sys.executable).parent / "survey"), "serve", "--port", str(port),
                              "--web-workers", "1"], env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        wait_until(lambda: status_of(f"http://127.0.0.1:{port}/") == 200, timeout=60, message="the web app")
        sent = wait_until(lambda: reminders_sent(stack, invitation_ids), timeout=60, message="three reminders")
        serve.send_signal(signal.SIGINT)  # Ctrl-C
        assert serve.wait(40) == 0
        wait_until(lambda: not group_alive(serve.pid), timeout=10, message="no child left behind")
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
    assert all(m.subject.startswith("Recordatorio") and "/r/…/" in m.body_text for m in sent)
    assert not any(token in m.body_text for m in sent for token in tokens)
    assert (tmp_path / "instance" / "celery-broker.sqlite").exists()
    assert (tmp_path / "instance" / "celerybeat-schedule.dat").exists()


def test_the_embedded_run_is_quiet_and_keeps_its_runtime_files_in_the_instance(tmp_path):
    """No Celery banner nor superuser warning (this machine runs tests as root); nothing in the home directory."""
    stack = Stack(tmp_path, smtp=None, broker=None)
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    # gunicorn's default control socket is under XDG_RUNTIME_DIR, else under HOME.
    env = {**stack.env, "HOME": str(home)}
    env.pop("XDG_RUNTIME_DIR", None)
    log_path = tmp_path / "serve.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    serve = subprocess.Popen([str(Path(sys.executable).parent / "survey"), "serve", "--port", str(port),
                              "--web-workers", "1"], env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    socket_path = tmp_path / "instance" / "gunicorn.ctl"
    try:
        wait_until(lambda: status_of(f"http://127.0.0.1:{port}/") == 200, timeout=60, message="the web app")
        wait_until(lambda: b" ready." in log_path.read_bytes(), timeout=60, message="the worker")
        assert socket_path.is_socket()
        serve.send_signal(signal.SIGINT)
        assert serve.wait(40) == 0
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
    text = log_path.read_text("utf-8", "replace")
    assert "superuser privileges" not in text and "SecurityWarning" not in text
    assert "[config]" not in text and "[queues]" not in text  # Celery's banner
    assert list(home.iterdir()) == []
    assert not socket_path.exists()  # gunicorn removes it when it stops
