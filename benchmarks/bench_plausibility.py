"""Benchmark: a round's plausibility flags against the bare SQL query that fetches the same previous values.

Not a test. Builds, in a fresh SQLite file (or PostgreSQL with ``--pg URL``), an organisation-by-organisation
history: last year's closed round and this year's round, each with N submitted responses (one per
organisation) to a questionnaire of 10 counts and amounts. Then it times, best of ``--repeat``:

- **flags**: ``survey.verification.plausibility.round_flags`` (previous values joined to this round's answers,
  the percentile bounds, the rule applied in Python, one Flag per flagged answer);
- **bare**: executing ``previous_values`` alone and fetching its rows (what any flagging must read).

    nice .venv/bin/python benchmarks/bench_plausibility.py --responses 2000
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from survey import create_app
from survey.extensions import db
from survey.models import (
    Answer,
    Invitation,
    Organisation,
    Response,
    ResponseRevision,
    Round,
)
from survey.models._types import utcnow
from survey.services import questionnaires as qs
from survey.verification import plausibility

KEYS = [f"n{i}" for i in range(10)]


def document() -> dict:
    """Ten numeric questions (counts and amounts)."""
    questions = [{"key": key, "type": "integer" if i % 3 else "currency", "text": {"es": key, "en": key}, "min": 0}
                 for i, key in enumerate(KEYS)]
    return {"format": 1, "key": "bench", "title": {"es": "Bench", "en": "Bench"}, "framework": "pnat-2017-2021",
            "sections": [{"key": "s", "title": {"es": "S", "en": "S"}, "axis": None, "questions": questions}]}


def build(size: int) -> Round:
    """Two rounds of *size* organisations' submitted responses; returns this year's round."""
    rng = random.Random(7)
    version = qs.publish(qs.import_document(document()).questionnaire)
    now = utcnow()
    db.session.execute(insert(Organisation), [{"name": f"Org {i}", "folded_name": f"org {i}", "kind": "state_regional",
                                               "is_active": True, "created_at": now} for i in range(size)])
    organisation_ids = [row.id for row in db.session.query(Organisation.id).order_by(Organisation.id)]
    base = [{key: rng.randint(5, 60) for key in KEYS} for _ in organisation_ids]
    rounds = []
    for title, opens, status in (("2025", now - timedelta(days=400), "closed"), ("2026", now - timedelta(days=5), "open")):
        round_ = Round(title=title, questionnaire=version.questionnaire, version=version, opens_at=opens,
                       closes_at=opens + timedelta(days=60), status=status)
        db.session.add(round_)
        db.session.flush()
        rounds.append(round_)
        db.session.execute(insert(Invitation), [
            {"round_id": round_.id, "name": f"P{i}", "email": f"p{i}@{title}.pe", "organisation_id": org,
             "token_nonce": "", "token_hash": f"{title}-{i}", "status": "submitted", "sector": "state",
             "created_at": now} for i, org in enumerate(organisation_ids)])
        invitation_ids = [row.id for row in db.session.query(Invitation.id).filter_by(round_id=round_.id)
                          .order_by(Invitation.id)]
        # about 3 % of this year's figures are ten times last year's; the rest move by a few units
        values = [{key: max(0, number + rng.randint(-3, 3)) * (10 if title == "2026" and rng.random() < 0.03 else 1)
                   for key, number in usual.items()} for usual in base]
        db.session.execute(insert(Response), [
            {"invitation_id": inv, "round_id": round_.id, "version_id": version.id, "answers": answers,
             "current_section": "", "revision": 1, "submitted_at": now, "started_at": now, "updated_at": now,
             "scores": {}, "section_changes": {}} for inv, answers in zip(invitation_ids, values, strict=True)])
        response_ids = [row.id for row in db.session.query(Response.id).filter_by(round_id=round_.id)
                        .order_by(Response.invitation_id)]
        db.session.execute(insert(ResponseRevision), [
            {"response_id": rid, "number": 1, "version_id": version.id, "answers": answers, "submitted_at": now}
            for rid, answers in zip(response_ids, values, strict=True)])
        db.session.execute(insert(Answer), [
            {"response_id": rid, "round_id": round_.id, "question_key": key, "item": "", "value": str(number),
             "number": float(number)} for rid, answers in zip(response_ids, values, strict=True)
            for key, number in answers.items()])
    db.session.commit()
    return rounds[1]


def best(function, repeat: int) -> float:
    """The best wall time of *repeat* calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> None:
    """Run the benchmark and print both timings and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", help="an empty PostgreSQL database URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-plausibility-"))
    url = args.pg or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-long-enough-for-production",
                      "TESTING": True}, instance_path=str(folder))
    with app.app_context():
        db.drop_all()
        db.create_all()
        round_ = build(args.responses)
        bare = plausibility.previous_values(round_, KEYS)
        flags = plausibility.round_flags(round_, KEYS)
        rows = db.session.execute(bare).all()
        bare_ms = best(lambda: db.session.execute(bare).all(), args.repeat)
        flags_ms = best(lambda: plausibility.round_flags(round_, KEYS), args.repeat)
        backend = "postgresql" if args.pg else "sqlite"
        print(f"{backend}: {args.responses} responses x {len(KEYS)} numbers; previous values {len(rows)}, "
              f"flags {len(flags)}")
        print(f"bare previous-values query: {bare_ms:.1f} ms; round_flags: {flags_ms:.1f} ms; "
              f"ratio {flags_ms / bare_ms:.2f}")


if __name__ == "__main__":
    main()
