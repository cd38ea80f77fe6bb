"""The limits hold across web processes: a real gunicorn with two workers that are replaced every
few requests, on a SQLite file without Redis (counters in the database), then on Redis."""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from survey.extensions import db
from survey.services.reference import load_reference
from tests.conftest import make_app
from tests.factories import make_invitation, make_round

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "gunicorn-test-secret-key-that-is-long-enough"
#: a Redis database of this test's own on the shared server; only it is ever flushed
REDIS_DB = 13

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis(*command: str) -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", str(REDIS_DB), *command],
                   check=True, capture_output=True, timeout=10)


def _redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def site(tmp_path):
    """A SQLite database with an open round and one invitation; returns (database URL, instance, token)."""
    url = f"sqlite:///{tmp_path / 'survey.sqlite'}"
    instance = tmp_path / "instance"
    application = make_app(url, instance, SECRET_KEY=SECRET_KEY)
    with application.app_context():
        db.create_all()
        load_reference()
        _, token = make_invitation(make_round())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, instance, token


class Server:
    """gunicorn with two workers, each replaced after a few requests; its access log names the pid."""

    def __init__(self, url: str, instance: Path, redis_url: str | None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = instance.parent / f"access-{self.port}.log"
        self.errors = instance.parent / f"errors-{self.port}.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_")}
        env.update(SURVEY_DATABASE_URL=url, SURVEY_INSTANCE_PATH=str(instance), SURVEY_SECRET_KEY=SECRET_KEY)
        if redis_url:
            env["SURVEY_REDIS_URL"] = redis_url
        # Workers that live 3 requests each: a counter kept in a process's memory starts again
        # from zero with every new worker, so only a shared one can reach a limit of 10 or 20.
        with self.errors.open("wb") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                 "--max-requests", "3", "--no-control-socket", "--access-logfile", str(self.log),
                 "--access-logformat", "%(p)s %(s)s %(m)s", "survey:create_app()"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                break
            except OSError:
                assert self.process.poll() is None, self.errors.read_text()
                time.sleep(0.2)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def status(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def worker_pids(self) -> set[str]:
        return {line.split()[0] for line in self.log.read_text().splitlines() if line.strip()}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _check_limits(server: Server, token: str) -> None:
    status, page = server.status("/login")
    assert status == 200
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    logins = [server.status("/login", {"csrf_token": csrf, "email": f"guess{n}@example.org",
                                       "password": "wrong password"})[0] for n in range(11)]
    assert logins == [200] * 10 + [429]

    guesses = [server.status(f"/r/{secrets.token_urlsafe(32)}/")[0] for _ in range(21)]
    assert guesses == [404] * 20 + [429]
    # a valid link from the same address still opens; the guesses go on being refused
    assert server.status(f"/r/{token}/")[0] == 200
    assert server.status(f"/r/{secrets.token_urlsafe(32)}/")[0] == 429
    # many processes answered: a per-process counter could not have added up to these limits
    assert len(server.worker_pids()) >= 10


def test_limits_hold_across_processes_without_redis(site):
    url, instance, token = site
    server = Server(url, instance, None)
    try:
        _check_limits(server, token)
    finally:
        server.stop()
    assert (instance / "rate-limits.sqlite").exists()


@pytest.mark.skipif(not _redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_limits_hold_across_processes_on_redis(site):
    url, instance, token = site
    _redis("FLUSHDB")
    server = Server(url, instance, f"redis://127.0.0.1:6379/{REDIS_DB}")
    try:
        _check_limits(server, token)
    finally:
        server.stop()
        _redis("FLUSHDB")
    assert not (instance / "rate-limits.sqlite").exists()
