"""Benchmark: the public scorecard served from its snapshot against a static file of the same size,
served by the same gunicorn (2 sync workers), in the same run.

Not a test. It builds a SQLite round of the small two-axis test questionnaire with N submitted
responses spread over six regions, publishes it (k = 3), starts ``survey:create_app()`` under
gunicorn, fetches the public page once to learn its size, writes a static file of exactly that size
into ``survey/static/`` (removed at the end), then loads each URL with C client threads for D seconds
(a new connection per request; full bodies, no If-None-Match) and prints requests/s, p50/p99 and the
ratio page / static. A last phase measures revalidation (If-None-Match: the 304 a returning phone gets).

    .venv/bin/python benchmarks/bench_public.py [--responses 400] [--duration 8] [--clients 8]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_submit import REDIS_URL, SECRET_KEY, Gunicorn, load

REGIONS = ("cusco", "lima", "puno", "loreto", "piura", "arequipa")


def prepare(url: str, folder: Path, count: int) -> int:
    """A round with *count* submitted responses over six regions, published; returns its id."""
    from survey import create_app
    from survey.extensions import db
    from survey.publication import services
    from survey.services.reference import load_reference
    from tests.factories import (
        export_document,
        make_invitation,
        make_response,
        make_round,
        publish_document,
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}, instance_path=str(folder / "prep"))
    with app.app_context(), app.test_request_context():
        db.create_all()
        load_reference()
        round_ = make_round(publish_document(export_document()), title="Benchmark público")
        for i in range(count):
            invitation, _ = make_invitation(round_, region=REGIONS[i % len(REGIONS)])
            make_response(invitation, {"has_plan": i % 3 > 0, "plan_status": ("approved", "draft", "none")[i % 3],
                                       "actions": ["a", "b", "c"][: 1 + i % 3], "staff": i % 9, "quality": 1 + i % 5,
                                       "grid": {"r1": "yes", "r2": "no"}})
        services.publish(round_, None, k=3, is_naming_organisations=False)
        db.session.commit()
        round_id = round_.id
        db.session.remove()
        db.engine.dispose()
    return round_id


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=400)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-public-"))
    url = f"sqlite:///{folder / 'public.sqlite'}"
    round_id = prepare(url, folder, args.responses)
    env = {"SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": SECRET_KEY, "SURVEY_REDIS_URL": REDIS_URL,
           "SURVEY_INSTANCE_PATH": str(folder / "instance")}
    static = ROOT / "survey" / "static" / f"bench-public-{os.getpid()}.html"
    server = Gunicorn("survey:create_app()", env, folder)
    try:
        page = f"/p/{round_id}/"
        status, headers, body = fetch(server.port, page)
        assert status == 200, status
        static.write_bytes(body)
        static_path = f"/static/{static.name}"
        assert fetch(server.port, static_path)[2] == body
        etag = headers["ETag"]
        print(f"page {len(body)} bytes; {args.clients} clients, gunicorn 2 sync workers, {args.duration:g} s per phase")
        for name, path in (("warm-up", page), ("warm-up", static_path)):
            load(name, server.port, itertools.repeat(("GET", path)), args.clients, 2, (200,))
        results = [load("public page", server.port, itertools.repeat(("GET", page)), args.clients, args.duration,
                        (200,)),
                   load("static file", server.port, itertools.repeat(("GET", static_path)), args.clients,
                        args.duration, (200,))]
        revalidated = load_revalidation(server.port, page, etag, args)
        for result in [*results, revalidated]:
            print(f"{result.name:>22}: {result.rate:8.1f} req/s  p50 {result.percentile(50):6.1f} ms  "
                  f"p99 {result.percentile(99):6.1f} ms  errors {result.errors}")
        print(f"ratio public page / static file: {results[0].rate / results[1].rate:.2f}×")
    finally:
        server.stop()
        static.unlink(missing_ok=True)


def load_revalidation(port: int, page: str, etag: str, args):
    """The page asked with If-None-Match (a returning visitor): a 304 without a body."""
    import benchmarks.bench_submit as submit

    original = submit.request

    def conditional(port_: int, method: str, path: str, body: str = "", cookie: str = ""):
        status, headers, data = fetch(port_, path, {"If-None-Match": etag})
        return status, headers, data

    submit.request = conditional
    try:
        return load("page, If-None-Match", port, itertools.repeat(("GET", page)), args.clients, args.duration, (304,))
    finally:
        submit.request = original


if __name__ == "__main__":
    main()
