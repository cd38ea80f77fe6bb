"""CPU per request in one process: the bare insert, a page save and a submission, through the test client.

Not a test. Where ``bench_submit.py`` measures throughput through gunicorn (clients, servers and the
database sharing the cores), this measures what one request costs the web process itself, with no
HTTP server and no concurrency, so that a change to the request path can be judged in isolation:

    .venv/bin/python benchmarks/cpu_per_request.py [--backend sqlite|postgresql] [--count 500] [--profile]

The bare insert is ``benchmarks/bare_app.py`` through its own test client, on its own database of the
same backend; the survey requests run on a round prepared as in ``bench_submit.py`` (the reference
questionnaire, every page saved), with tasks going to Redis as in production. ``--profile`` prints the
40 functions with the most cumulative time of the submissions (cProfile inflates Python-heavy code).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_submit import (
    REDIS_URL,
    SECRET_KEY,
    flush_redis,
    fresh_database,
    page_form,
    prepare_round,
)


def cpu_ms(run, items) -> float:
    """CPU milliseconds per call of *run* over *items* (after a few warm-up calls)."""
    items = list(items)
    for item in items[:5]:
        run(item)
    started = time.process_time()
    for item in items[5:]:
        run(item)
    return (time.process_time() - started) / max(len(items) - 5, 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--count", type=int, default=500, help="requests of each kind")
    parser.add_argument("--profile", action="store_true", help="also profile the submissions")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpu-per-request-"))

    bare_url = fresh_database(args.backend, folder, "cpu_bare")
    os.environ["BENCH_DATABASE_URL"] = bare_url
    from benchmarks import bare_app

    engine = bare_app.make_engine(bare_url)
    bare_app.Base.metadata.create_all(engine)
    engine.dispose()
    bare_app._engine = bare_app.make_engine(bare_url)
    bare = bare_app.app.test_client()
    bare_ms = cpu_ms(lambda _: bare.post("/insert", data={"payload": "benchmark"}), range(args.count))

    url = fresh_database(args.backend, folder, "cpu_survey")
    tokens = prepare_round(url, folder, 2 * args.count + 10)
    flush_redis()
    os.environ.update({"SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": SECRET_KEY, "SURVEY_REDIS_URL": REDIS_URL,
                       "SURVEY_INSTANCE_PATH": str(folder / "instance")})
    from survey import create_app

    client = create_app().test_client()
    page = client.get(f"/r/{tokens[0]}/review").data
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    nonces = {token: re.search(rb'name="nonce" value="([^"]+)"', client.get(f"/r/{token}/review").data)
              .group(1).decode() for token in tokens}
    form = page_form(csrf)

    def save(token: str) -> None:
        reply = client.post(f"/r/{token}/s/governance", data=form, content_type="application/x-www-form-urlencoded")
        assert reply.status_code == 303, reply.status_code

    def submit(token: str) -> None:
        reply = client.post(f"/r/{token}/submit", data=f"csrf_token={csrf}&nonce={nonces[token]}",
                            content_type="application/x-www-form-urlencoded")
        assert reply.status_code == 303, reply.status_code

    save_ms = cpu_ms(save, tokens[: args.count])
    submit_ms = cpu_ms(submit, tokens[: args.count])
    print(f"{args.backend}: CPU per request in-process, {args.count} of each")
    print(f"  bare insert {bare_ms:6.2f} ms")
    print(f"  page save   {save_ms:6.2f} ms  ({save_ms / bare_ms:.1f}x the bare insert)")
    print(f"  submission  {submit_ms:6.2f} ms  ({submit_ms / bare_ms:.1f}x the bare insert)")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for token in tokens[args.count:2 * args.count]:
            submit(token)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    flush_redis()


if __name__ == "__main__":
    main()
