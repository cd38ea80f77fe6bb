"""Benchmark: page saves and full submissions per second against a bare one-row insert, same run.

Not a test. For SQLite (WAL, synchronous=NORMAL) and PostgreSQL in turn it

1. serves ``benchmarks/bare_app.py`` (bare Flask + SQLAlchemy, one ORM insert per POST) with
   gunicorn, 2 sync workers, and measures it;
2. prepares a round of the reference PNAT questionnaire with N invitations whose 44 answers are
   saved but not submitted, and serves the survey app the same way (``survey:create_app()``);
3. measures page saves (POST of the governance page: CSRF, parsing, validation, show-if, one
   UPDATE), then full submissions (CSRF, signed nonce, complete validation, scoring, conditional
   UPDATE, revision, ~45 answer rows, receipt in the outbox, tasks to the broker after commit),
   each invitation submitted once;

with 8 client threads (a new connection per request, as gunicorn's sync workers close them) and
prints requests/s, p50/p99 latency, the ratio to the bare rate and the 'database is locked'
count (from responses and the server logs). Target: submissions >= 0.25 x bare, p99 < 100 ms,
0 locked errors.

Tasks go to Redis (``BENCH_REDIS_URL``, default db 14 of the local server, emptied before and
after), as in production.

    .venv/bin/python benchmarks/bench_submit.py [--duration 8] [--clients 8] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "benchmark-secret-key-of-more-than-thirty-two-bytes"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TARGET_RATIO, TARGET_P99_MS = 0.25, 100.0


@dataclass
class Result:
    """Latencies and outcomes of one measured phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    locked: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body or None, headers=headers)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read()
    finally:
        connection.close()


def load(name: str, port: int, jobs, clients: int, duration: float, ok: tuple[int, ...]) -> Result:
    """Run (method, path, body, cookie) jobs from an iterator with *clients* threads for *duration* s."""
    result = Result(name)
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            started = time.perf_counter()
            try:
                status, _, body = request(port, *job)
            except OSError:
                status, body = 599, b""
            elapsed = time.perf_counter() - started
            with lock:
                if status in ok:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                result.locked += body.count(b"database is locked")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


class Gunicorn:
    """A gunicorn with 2 sync workers serving *target*, its log kept to count lock errors."""

    def __init__(self, target: str, env: dict[str, str], folder: Path) -> None:
        self.port = free_port()
        self.log = folder / f"gunicorn-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             target],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"),
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> int:
        """Stop the server; return how many 'database is locked' errors it logged."""
        self.process.terminate()
        self.process.wait(timeout=30)
        return self.log.read_text(errors="replace").count("database is locked")


def fresh_database(backend: str, folder: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite')}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def bench_bare(backend: str, folder: Path, args) -> Result:
    from benchmarks.bare_app import Base, make_engine

    url = fresh_database(backend, folder, "bench_bare")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    server = Gunicorn("benchmarks.bare_app:app", {"BENCH_DATABASE_URL": url}, folder)
    try:
        jobs = itertools.repeat(("POST", "/insert", "payload=benchmark"))
        load("warm-up", server.port, itertools.islice(jobs, 50), args.clients, 5, (201,))
        result = load("bare insert", server.port, jobs, args.clients, args.duration, (201,))
    finally:
        result.locked += server.stop()
    return result


def prepare_round(url: str, folder: Path, count: int) -> list[str]:
    """A round with *count* invitations, each with every page saved; returns their tokens."""
    from sqlalchemy import insert

    from survey import create_app, tokens
    from survey.extensions import db
    from survey.models import Invitation, Response
    from survey.services import responses
    from survey.services.reference import load_reference, match_institution, match_region
    from tests.factories import make_invitation, make_round
    from tests.respond_support import pnat_pages

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}, instance_path=str(folder / "prep"))
    with app.app_context():
        db.create_all()
        load_reference()
        round_ = make_round(title="Benchmark")
        first, first_token = make_invitation(round_)
        for key, form in pnat_pages().items():
            assert responses.save_page(first, key, form, require_complete=True).ok
        answers = dict(first.response.answers)
        institution, region = match_institution("mininter"), match_region("cusco")
        invitations = [Invitation(round=round_, name=f"Funcionario {i}", email=f"bench{i}@example.gob.pe",
                                  institution=institution, region=region, token_nonce="",
                                  token_hash=tokens.placeholder_hash(), status="in_progress")
                       for i in range(count - 1)]
        db.session.add_all(invitations)
        db.session.flush()
        found = [first_token] + [tokens.issue(invitation) for invitation in invitations]
        db.session.execute(insert(Response), [
            {"invitation_id": invitation.id, "round_id": round_.id, "version_id": round_.version_id,
             "answers": answers, "current_section": "protection"} for invitation in invitations])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return found


def page_form(cookie_csrf: str) -> str:
    from urllib.parse import urlencode

    from tests.respond_support import pnat_pages

    fields = [(name, value) for name, values in pnat_pages()["governance"].items() for value in values]
    return urlencode([("csrf_token", cookie_csrf), ("nav", "next"), *fields])


def bench_survey(backend: str, folder: Path, args) -> tuple[Result, Result]:
    url = fresh_database(backend, folder, "bench_survey")
    tokens = prepare_round(url, folder, args.invitations)
    flush_redis()
    env = {"SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": SECRET_KEY, "SURVEY_REDIS_URL": REDIS_URL,
           "SURVEY_INSTANCE_PATH": str(folder / "instance")}
    server = Gunicorn("survey:create_app()", env, folder)
    try:
        status, headers, page = request(server.port, "GET", f"/r/{tokens[0]}/review")
        assert status == 200, status
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        # Untimed: each invitation's review page, for its submission nonce.
        nonces: dict[str, str] = {}
        lock = threading.Lock()
        pending = iter(tokens)

        def fetch() -> None:
            while True:
                with lock:
                    token = next(pending, None)
                if token is None:
                    return
                _, _, body = request(server.port, "GET", f"/r/{token}/review", cookie=cookie)
                nonce = re.search(rb'name="nonce" value="([^"]+)"', body).group(1).decode()
                with lock:
                    nonces[token] = nonce

        fetchers = [threading.Thread(target=fetch) for _ in range(args.clients)]
        for thread in fetchers:
            thread.start()
        for thread in fetchers:
            thread.join()

        body = page_form(csrf)
        saves = ((("POST", f"/r/{token}/s/governance", body, cookie)) for token in itertools.cycle(tokens))
        load("warm-up", server.port, itertools.islice(saves, 50), args.clients, 5, (303,))
        saved = load("page save", server.port, saves, args.clients, args.duration, (303,))
        submissions = (("POST", f"/r/{token}/submit", f"csrf_token={csrf}&nonce={nonces[token]}", cookie)
                       for token in tokens)
        submitted = load("submission", server.port, submissions, args.clients, args.duration, (303,))
    finally:
        locked = server.stop()
        flush_redis()
    saved.locked += locked
    return saved, submitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--invitations", type=int, default=4000, help="invitations prepared for submissions")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as tmp:
        for backend in args.backends.split(","):
            folder = Path(tmp) / backend
            folder.mkdir()
            bare = bench_bare(backend, folder, args)
            saved, submitted = bench_survey(backend, folder, args)
            rows += [(backend, bare, bare), (backend, saved, bare), (backend, submitted, bare)]
    print(f"\n{args.clients} clients, gunicorn 2 sync workers, {args.duration:g} s per phase\n")
    print(f"{'backend':<11}{'endpoint':<13}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'x bare':>8}{'errors':>8}{'locked':>8}")
    for backend, result, bare in rows:
        print(f"{backend:<11}{result.name:<13}{len(result.latencies):>9}{result.rate:>9.0f}"
              f"{result.percentile(50):>9.1f}{result.percentile(99):>9.1f}{result.rate / bare.rate:>8.2f}"
              f"{result.errors:>8}{result.locked:>8}")
    print()
    for backend, result, bare in rows:
        if result.name == "submission":
            ratio = result.rate / bare.rate
            verdict = "PASS" if (ratio >= TARGET_RATIO and result.percentile(99) < TARGET_P99_MS
                                 and result.locked == 0 and result.errors == 0) else "FAIL"
            print(f"{backend}: submission {ratio:.2f} x bare (target >= {TARGET_RATIO}), "
                  f"p99 {result.percentile(99):.1f} ms (target < {TARGET_P99_MS:g}), "
                  f"{result.locked} locked, {result.errors} errors: {verdict}")


if __name__ == "__main__":
    main()
