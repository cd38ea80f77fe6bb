"""Harness of the worker tests: `celery worker`/`beat` subprocesses (Redis database 5, or
kombu's SQLite transport), an aiosmtpd server in this process counting what it receives,
and a SQLite file database whose data is committed (no rollback fixture).
"""
from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from survey import create_app
from survey.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/5"

#: The real-worker tests that share Redis DB 5 live in one file, and bin/test runs pytest-xdist with
#: --dist loadfile: one xdist worker runs them one at a time, so a task one test leaves in Redis (an
#: ETA task a stopped worker gave back) is never taken by another's worker. (xdist_group marks would
#: say it per test, but pytest-xdist 3.8 ignores them under pytest 9.2: its group suffix is never
#: added to the node id.) One rerun: real processes on real timers can miss once on a loaded machine.
MARKS = [pytest.mark.slow, pytest.mark.flaky(reruns=1, reruns_delay=2)]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "worker-tests-secret-key-long-enough-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """aiosmtpd handler counting messages by Message-ID; optional delay and a hook.

    ``drop_next`` > 0: the next that many messages are taken, then the connection is closed
    without a reply (the sender cannot know whether the server has them: an unknown outcome).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.subjects: dict[str, tuple[str, str]] = {}
        self.delay = 0.0
        self.on_message = None
        self.drop_next = 0
        self.dropped = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received[message["Message-ID"]] += 1
            self.subjects[message["Message-ID"]] = (",".join(envelope.rcpt_tos), str(message["Subject"]))
            count = sum(self.received.values())
        if self.on_message is not None:
            self.on_message(count)
        if self.delay:
            time.sleep(self.delay)  # noqa: ASYNC251 - blocking on purpose: a slow mail server
        with self.lock:
            drop, self.drop_next = self.drop_next > 0, max(self.drop_next - 1, 0)
            if drop and self.drop_next == 0:
                self.dropped.set()
        if drop:
            server.transport.close()  # the data went out, the "250" never comes back
        return "250 OK"

    def count_for(self, message_ids) -> dict[int, int]:
        with self.lock:
            return {mid: self.received.get(f"<outbox-{mid}@localhost>", 0) for mid in message_ids}


class SmtpServer:
    """An aiosmtpd server on a fixed port that can go down and come back."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Stack:
    """The database, the app of this process, and the settings given to worker processes."""

    def __init__(self, tmp: Path, smtp: SmtpServer | None, broker: str | None):
        self.tmp = tmp
        self.smtp = smtp
        self.redis_url = broker
        self.db_url = f"sqlite:///{tmp / 'survey.sqlite'}"
        self.instance = tmp / "instance"
        self.settings = {
            "SURVEY_MAIL_BACKOFF_BASE": 0.5, "SURVEY_MAIL_BACKOFF_MAX": 1.0, "SURVEY_MAIL_MAX_ATTEMPTS": 20,
            "SURVEY_OUTBOX_REQUEUE_AFTER": 2.0, "SURVEY_OUTBOX_STALE_AFTER": 3.0,
            "SURVEY_REMINDER_EVERY": 1.0, "SURVEY_SWEEP_EVERY": 1.0, "SURVEY_REDBEAT_PREFIX": f"test:{tmp.name}",
        }
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)]),
            "SURVEY_DATABASE_URL": self.db_url,
            "SURVEY_INSTANCE_PATH": str(self.instance),
            "SURVEY_SECRET_KEY": SECRET,
            "SURVEY_SMTP_TLS": "none",
        }
        self.env.pop("SURVEY_SMTP_HOST", None)
        self.env.pop("SURVEY_REDIS_URL", None)
        if smtp is not None:
            self.env.update(SURVEY_SMTP_HOST="127.0.0.1", SURVEY_SMTP_PORT=str(smtp.port))
        if broker:
            self.env["SURVEY_REDIS_URL"] = broker
        self.app = self._app()

    def _app(self):
        saved = {k: os.environ.get(k) for k in ("SURVEY_REDIS_URL", "SURVEY_SMTP_HOST", "SURVEY_SMTP_PORT")}
        try:
            for key in saved:
                if key in self.env:
                    os.environ[key] = self.env[key]
                else:
                    os.environ.pop(key, None)
            app = create_app({"SQLALCHEMY_DATABASE_URI": self.db_url, "SECRET_KEY": SECRET, "TESTING": True,
                              "SURVEY_SMTP_TLS": "none", **self.settings}, instance_path=str(self.instance))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        with app.app_context():
            db.create_all()
            from survey.services.reference import load_reference

            load_reference()
            db.session.commit()
        return app

    def env_for(self, celery: dict | None = None, **settings) -> dict[str, str]:
        config = {**self.settings, **settings}
        if celery:
            config["CELERY"] = celery
        return {**self.env, "SURVEY_TEST_CONFIG": json.dumps(config)}


class Process:
    """A celery subprocess in its own process group, with its log in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "worker_app", *args], env=env,
                                     cwd=str(ROOT), stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not in log:\n{self.text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group (the worker and its pool children)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        """Ask for a warm shutdown (the pool children finish their task)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10) -> None:
        """Wait for the shutdown asked by :meth:`terminate`; SIGKILL what is left."""
        self.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # a beat waiting for the redbeat lock, or pool children left behind
        self.proc.wait(5)
        self._fh.close()


@contextmanager
def running(stack: Stack, *args: str, name: str, celery: dict | None = None, ready: str = "ready.", **settings):
    """Run ``celery -A worker_app <args>`` until the block ends."""
    with running_all(stack, [(name, list(args), ready)], celery=celery, **settings) as (process,):
        yield process


@contextmanager
def running_all(stack: Stack, specs: list[tuple[str, list[str], str]], celery: dict | None = None, **settings):
    """Start several celery processes at once ((name, args, ready line) each); stop them all."""
    processes = [Process(args, stack.env_for(celery, **settings), stack.tmp / f"{name}.log")
                 for name, args, _ready in specs]
    try:
        for process, (_name, _args, ready) in zip(processes, specs):
            if ready:
                process.wait_for_log(ready)
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.stop(timeout=5)


def worker_args(name: str, *extra: str, concurrency: int = 1) -> list[str]:
    return ["worker", "-P", "prefork", "-c", str(concurrency), "-l", "INFO", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", *extra]


#: waits are stretched on a loaded machine (they only cost time when something is late)
TIME_FACTOR = float(os.environ.get("SURVEY_TEST_TIME_FACTOR", "2"))


def wait_until(predicate, timeout: float = 30, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout * TIME_FACTOR
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}; last value {value!r}")
        time.sleep(interval)
