"""Reminders to 10,000 officials through a local aiosmtpd server, against bare Celery.

    .venv/bin/python benchmarks/bench_reminders.py [--count 10000] [--db postgresql|sqlite]

In one run, with one worker (``-c 2``, prefork) on Redis database 5:

1. enqueue N no-op tasks (``.delay`` in a loop): the raw enqueue time and rate;
2. a bare task per message that builds an EmailMessage and sends it with smtplib over a
   new connection (performance.md §1e, about 425 mails/s there);
3. the product: ``reminders.claim_due`` + commit + ``send_later`` (the dispatch task's
   code, run here to time the enqueue), then the worker's ``mail.send`` batches (100
   ids, one SMTP connection each, claim/confirm in the database per message).

Prints messages per second end to end, the ratios, and duplicates (messages the SMTP
server received more than once). Targets: product >= 0.5x bare; enqueue <= 2x no-op.
Run as ``celery -A bench_reminders worker`` (BENCH_WORKER=1) it is the worker's app.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import redis
from celery import shared_task

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/5"
PG_ADMIN = os.environ.get("SURVEY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

if os.environ.get("BENCH_WORKER"):
    from workers.app import create_celery

    app = create_celery()


@shared_task(name="bench.noop", ignore_result=True)
def noop(n: int) -> None:
    """Nothing but a counter, so the driver knows when all ran."""
    redis.Redis.from_url(REDIS_URL).incr("bench:noop")


@shared_task(name="bench.bare_send", ignore_result=True, time_limit=60)
def bare_send(to_addr: str, subject: str, text: str) -> None:
    """The baseline: one EmailMessage, one new SMTP connection, per task."""
    message = EmailMessage()
    message["From"] = "CHS Alternativo <encuestas@localhost>"
    message["To"] = to_addr
    message["Subject"] = subject
    message["Message-ID"] = f"<bare-{to_addr}>"
    message.set_content(text)
    with smtplib.SMTP(os.environ["SURVEY_SMTP_HOST"], int(os.environ["SURVEY_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)


class Sink:
    """aiosmtpd handler counting messages by Message-ID, noting the last arrival."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                key = line.split(b":", 1)[1].strip().decode()
                break
        else:
            key = "?"
        with self.lock:
            self.received[key] += 1
            self.last = time.perf_counter()
        return "250 OK"

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(1 for key in self.received if key.startswith(prefix))

    def duplicates(self, prefix: str) -> int:
        with self.lock:
            return sum(n - 1 for key, n in self.received.items() if key.startswith(prefix) and n > 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite'}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "survey_bench_workers" WITH (FORCE)')
        conn.execute('CREATE DATABASE "survey_bench_workers"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/survey_bench_workers"


def seed(flask_app, count: int) -> int:
    """A round closing in 6 days with *count* officials invited 20 days ago; returns its id."""
    from sqlalchemy import insert

    import questionnaires
    from survey.extensions import db
    from survey.models import Invitation, Round
    from survey.models._types import utcnow
    from survey.services import questionnaires as qs
    from survey.services.reference import (
        load_reference,
        match_institution,
        match_region,
    )

    with flask_app.app_context():
        db.create_all()
        load_reference()
        document = json.loads(questionnaires.reference_definition_path().read_text("utf-8"))
        version = qs.publish(qs.import_document(document).questionnaire)
        now = utcnow()
        round_ = Round(title="Informe Alternativo 2026", questionnaire=version.questionnaire, version=version,
                       opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=6), status="open",
                       reminder_policy={"days_before_close": [7], "interval_days": None, "max_count": 1,
                                        "quiet_start": "00:00", "quiet_end": "00:00",
                                        "escalate_after": None, "escalate_to": None})
        db.session.add(round_)
        db.session.flush()
        institution, region = match_institution("mininter"), match_region("cusco")
        rows = [{"round_id": round_.id, "name": f"Funcionario {i}", "email": f"official{i}@example.gob.pe",
                 "institution_id": institution.id, "region_id": region.id, "position": "", "language": "es",
                 "token_nonce": secrets.token_urlsafe(24), "token_hash": secrets.token_hex(32),
                 "status": "invited", "created_at": now, "invited_at": now - timedelta(days=20),
                 "reminders_sent": 0, "decline_reason": ""} for i in range(count)]
        db.session.execute(insert(Invitation), rows)
        db.session.commit()
        return round_.id


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    count = args.count

    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    env = {**os.environ, "SURVEY_DATABASE_URL": database_url(args.db, tmp), "SURVEY_REDIS_URL": REDIS_URL,
           "SURVEY_SMTP_HOST": "127.0.0.1", "SURVEY_SMTP_PORT": str(smtp_port), "SURVEY_SMTP_TLS": "none",
           "SURVEY_INSTANCE_PATH": str(tmp / "instance"), "SURVEY_SECRET_KEY": "bench-" + "k" * 40,
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)]), "BENCH_WORKER": "1"}
    os.environ.update({k: env[k] for k in ("SURVEY_DATABASE_URL", "SURVEY_REDIS_URL", "SURVEY_SMTP_HOST",
                                           "SURVEY_SMTP_PORT", "SURVEY_SMTP_TLS", "SURVEY_INSTANCE_PATH",
                                           "SURVEY_SECRET_KEY")})
    from sqlalchemy import func, select

    from survey import create_app
    from survey.extensions import db
    from survey.models import OutboxMessage
    from survey.services import outbox, reminders

    flask_app = create_app()
    started = time.perf_counter()
    seed(flask_app, count)
    print(f"seeded {count} officials on {args.db} in {time.perf_counter() - started:.1f} s")
    log = open(tmp / "worker.log", "wb")  # noqa: SIM115 - closed at the end
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench_reminders", "worker", "-P", "prefork", "-c",
         str(args.concurrency), "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    celery = flask_app.extensions["celery"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    try:
        time.sleep(1)
        celery.send_task("bench.noop", args=[0])
        wait_for(lambda: int(broker.get("bench:noop") or 0) >= 1, 120, "the worker")
        broker.delete("bench:noop")

        # 1. no-op tasks
        t0 = time.perf_counter()
        for i in range(count):
            celery.send_task("bench.noop", args=[i])
        noop_enqueue = time.perf_counter() - t0
        wait_for(lambda: int(broker.get("bench:noop") or 0) >= count, 600, "no-op tasks")
        noop_total = time.perf_counter() - t0
        print(f"no-op: enqueued in {noop_enqueue:.2f} s, all ran in {noop_total:.2f} s", flush=True)

        # 2. bare: one task and one SMTP connection per message
        subject, text = "Recordatorio: Informe Alternativo 2026", "Estimado(a) funcionario(a):\n" + "x" * 900
        t0 = time.perf_counter()
        for i in range(count):
            celery.send_task("bench.bare_send", args=[f"official{i}@example.gob.pe", subject, text])
        bare_enqueue = time.perf_counter() - t0
        wait_for(lambda: sink.count("<bare-") >= count, 900, "bare mails")
        bare_total = sink.last - t0
        print(f"bare: enqueued in {bare_enqueue:.2f} s, all received in {bare_total:.2f} s", flush=True)

        # 3. the product: dispatch (claim_due, commit, batches of 100 ids), then mail.send
        t0 = time.perf_counter()
        with flask_app.app_context():
            ids = reminders.claim_due()
            db.session.commit()
            tasks = outbox.send_later(ids)
        product_enqueue = time.perf_counter() - t0
        wait_for(lambda: sink.count("<outbox-") >= count, 900, "reminders")
        product_total = sink.last - t0
        time.sleep(1)  # anything sent twice would arrive now
        with flask_app.app_context():
            sent = db.session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        controller.stop()
        broker.flushdb()

    bare_rate, product_rate = count / bare_total, count / product_total
    figures = {
        "count": count, "db": args.db, "worker_concurrency": args.concurrency,
        "noop_enqueue_s": round(noop_enqueue, 2), "noop_enqueue_per_s": round(count / noop_enqueue),
        "noop_end_to_end_per_s": round(count / noop_total),
        "bare_enqueue_s": round(bare_enqueue, 2), "bare_mails_per_s": round(bare_rate),
        "product_enqueue_s": round(product_enqueue, 2), "product_tasks": tasks,
        "product_mails_per_s": round(product_rate),
        "ratio_product_vs_bare": round(product_rate / bare_rate, 2),
        "ratio_enqueue_vs_noop": round(product_enqueue / noop_enqueue, 2),
        "duplicates": sink.duplicates("<outbox-"), "rows_sent": sent,
    }
    print(json.dumps(figures, indent=2))
    ok = figures["ratio_product_vs_bare"] >= 0.5 and figures["ratio_enqueue_vs_noop"] <= 2 \
        and figures["duplicates"] == 0 and sent == count
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
