"""Benchmark: the full round workbook against raw openpyxl write-only writing the same cells.

Not a test. For each size N it

1. generates a round of N submitted responses to a 60-question questionnaire in a database
   (SQLite file by default, or PostgreSQL with ``--pg``) with Core executemany: invitations,
   responses, revisions and the flattened answer rows;
2. builds the workbook with ``survey.workbook.builder.build`` in a fresh subprocess;
3. writes exactly as many cells, sheet by sheet and of the same types, with raw openpyxl
   write-only mode in another fresh subprocess;

and reports wall time and peak RSS (VmHWM from /proc/self/status) of both, and their ratio.

    nice .venv/bin/python benchmarks/bench_export.py --sizes 50000 100000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
AXES = ("governance", "prevention", "prosecution", "protection")
INSTITUTIONS = ("mininter", "pnp", "mpfn", "pj", "mimp", "minjusdh", "minedu", "minsa", "mtpe", "gore")
REGIONS = ("cusco", "puno", "loreto", "piura", "tumbes", "lima_metropolitana", "arequipa", "junin")
WORDS = ("capacitación", "albergue", "fiscalía", "coordinación", "presupuesto", "víctimas", "protocolo", "registro")


def peak_rss_mib(field: str = "VmHWM") -> float:
    """Peak resident set size of this process (VmHWM), or another /proc/self/status field, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak measures what follows."""
    Path("/proc/self/clear_refs").write_text("5")


# --------------------------------------------------------------------------- the questionnaire

def document(questions: int = 60) -> dict:
    """A 60-question definition over four axes, with every common question type."""
    def t(text: str) -> dict:
        return {"es": text, "en": text}

    def opts(n: int) -> list:
        return [{"value": f"o{i}", "label": t(f"Opción {i}")} for i in range(1, n + 1)]

    kinds = (["single_choice"] * 18 + ["yes_no"] * 12 + ["integer"] * 12 + ["currency"] * 4 + ["multiple_choice"] * 4
             + ["likert"] * 4 + ["date"] * 3 + ["text"] * 3)[:questions]
    sections: list[dict] = [{"key": f"s_{axis}", "title": t(axis), "axis": axis, "questions": []} for axis in AXES]
    for index, kind in enumerate(kinds):
        q: dict = {"key": f"q{index:02d}", "type": kind, "text": t(f"Pregunta {index}")}
        if kind == "single_choice":
            q["options"] = opts(5)
            q["score"] = {"weight": 1, "method": "option_points",
                          "points": {"o1": 1, "o2": 0.75, "o3": 0.5, "o4": 0.25, "o5": 0}}
        elif kind == "multiple_choice":
            q["options"] = opts(4)
            q["score"] = {"weight": 1, "method": "count_selected", "cap": 3}
        elif kind == "yes_no":
            q["score"] = {"weight": 1, "method": "boolean"}
        elif kind in ("integer", "currency"):
            q["min"] = 0
        elif kind == "likert":
            q.update(min=1, max=5, score={"weight": 1, "method": "linear"})
        sections[index % len(AXES)]["questions"].append(q)
    return {"format": 1, "key": "bench", "title": t("Benchmark"), "framework": "pnat-2017-2021", "sections": sections}


def answers_for(questions, rng: random.Random) -> dict:
    """Random valid answers to every question."""
    answers = {}
    for q in questions:
        kind = q.type
        if kind == "single_choice":
            answers[q.key] = rng.choice(q.option_values)
        elif kind == "multiple_choice":
            answers[q.key] = rng.sample(list(q.option_values), rng.randint(0, 3))
        elif kind == "yes_no":
            answers[q.key] = rng.random() < 0.6
        elif kind == "integer":
            answers[q.key] = rng.randint(0, 5000)
        elif kind == "currency":
            answers[q.key] = round(rng.uniform(0, 1e6), 2)
        elif kind == "likert":
            answers[q.key] = rng.randint(1, 5)
        elif kind == "date":
            answers[q.key] = (date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650))).isoformat()
        else:
            answers[q.key] = " ".join(rng.choices(WORDS, k=rng.randint(2, 12)))
    return answers


# --------------------------------------------------------------------------- data generation

def make_app(url: str, instance: str):
    sys.path.insert(0, str(ROOT))
    from survey import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "TESTING": False},
                      instance_path=instance)


def generate(url: str, instance: str, n: int, seed: int = 7) -> int:
    """Create the schema and a round of *n* submitted responses; return the round id."""
    from sqlalchemy import insert

    import questionnaires
    from survey.extensions import db
    from survey.models import Answer, Invitation, Response, ResponseRevision, Round
    from survey.services import questionnaires as qs
    from survey.services.reference import (
        load_reference,
        match_institution,
        match_region,
    )
    from survey.services.submissions import answer_rows

    app = make_app(url, instance)
    rng = random.Random(seed)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        version = qs.publish(qs.import_document(document()).questionnaire)
        now = datetime.now(UTC)
        round_ = Round(title=f"Benchmark {n}", questionnaire=version.questionnaire, version=version,
                       opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30), status="open")
        db.session.add(round_)
        db.session.commit()
        round_id, version_id = round_.id, version.id
        q = questionnaires.load(version.document)
        institutions = [match_institution(k).id for k in INSTITUTIONS]
        regions = [match_region(k).id for k in REGIONS]
        batch = 2000
        for start in range(0, n, batch):
            ids = range(start + 1, min(n, start + batch) + 1)
            submitted = now - timedelta(days=1)
            db.session.execute(insert(Invitation.__table__), [
                {"id": i, "round_id": round_id, "name": f"Funcionario {i}", "email": f"f{i}@example.gob.pe",
                 "institution_id": rng.choice(institutions), "region_id": rng.choice(regions),
                 "position": "Especialista", "language": "es", "token_nonce": f"{i}", "token_hash": f"{i:064x}",
                 "status": "submitted", "created_at": submitted, "invited_at": submitted,
                 "submitted_at": submitted, "decline_reason": "", "reminders_sent": 0} for i in ids])
            responses, revisions, answers = [], [], []
            for i in ids:
                given = answers_for(q.questions, rng)
                scores = {axis: rng.choice((None, rng.uniform(0, 100))) if i % 50 == 0 else rng.uniform(0, 100)
                          for axis in AXES}
                responses.append({"id": i, "invitation_id": i, "round_id": round_id, "version_id": version_id,
                                  "answers": given, "current_section": "", "started_at": submitted,
                                  "updated_at": submitted, "submitted_at": submitted, "revision": 1, "scores": scores})
                revisions.append({"response_id": i, "number": 1, "version_id": version_id, "answers": given,
                                  "submitted_at": submitted})
                answers += answer_rows(q, SimpleNamespace(id=i, round_id=round_id), given)
            db.session.execute(insert(Response.__table__), responses)
            db.session.execute(insert(ResponseRevision.__table__), revisions)
            db.session.execute(insert(Answer.__table__), answers)
            db.session.commit()
        return round_id


# --------------------------------------------------------------------------- the two measured cases

def run_build(url: str, instance: str, round_id: int, out: str) -> dict:
    """Build the workbook; report time, peak memory and the shape of every sheet."""
    from survey.extensions import db
    from survey.workbook.builder import build

    app = make_app(url, instance)
    # The app's start-up has its own peak (an Argon2 hash at import costs 64 MiB for a moment): report it
    # apart, then measure the build from the settled RSS of a ready worker.
    startup_peak, ready = peak_rss_mib(), peak_rss_mib("VmRSS")
    reset_peak()
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = build(round_id, out, progress=lambda done, total: db.session.commit())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "peak_mib": peak_rss_mib(), "startup_peak_mib": startup_peak, "ready_mib": ready,
            "rows": result.rows, "shapes": result.shapes, "size_mb": os.path.getsize(out) / 1e6}


def sample_rows(path: str) -> dict[str, list[list]]:
    """The header and first data row of every sheet of the built workbook (read-only, stops early)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    samples = {ws.title: [list(row) for row in ws.iter_rows(max_row=2, values_only=True)] for ws in wb.worksheets}
    wb.close()
    return samples


def run_raw(shapes: list[tuple[str, int, int]], samples: dict[str, list[list]], out: str) -> dict:
    """Write the same sheets with raw write-only: same rows, columns and value types per column.

    Each sheet gets its header row, then its first data row repeated (string lengths, numbers
    and dates as in the real workbook); only the cell count and the types matter to the writer.
    """
    from openpyxl import Workbook

    reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    cells = 0
    for title, rows, cols in shapes:
        ws = wb.create_sheet(title)
        sample = samples.get(title) or [[]]
        header, body = sample[0], sample[-1]
        for index in range(rows):
            ws.append(header if index == 0 else body)
        cells += cols * rows
    wb.save(out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "peak_mib": peak_rss_mib(), "cells": cells}


def child(args: argparse.Namespace) -> None:
    if args.child == "generate":
        print(json.dumps({"round_id": generate(args.url, args.instance, args.n)}))
    elif args.child == "build":
        print(json.dumps(run_build(args.url, args.instance, args.round_id, args.out)))
    else:
        given = json.loads(Path(args.shapes).read_text(),
                           object_hook=lambda d: datetime.fromisoformat(d["datetime"]) if "datetime" in d else d)
        print(json.dumps(run_raw(given["shapes"], given["samples"], args.out)))


def call(*argv: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *argv], check=True, capture_output=True, text=True,
                            cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50000, 100000])
    parser.add_argument("--pg", help="PostgreSQL URL (postgresql+psycopg://...) instead of a SQLite file")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--reuse", action="store_true", help="keep a SQLite file generated by an earlier run")
    parser.add_argument("--child", choices=["generate", "build", "raw"])
    parser.add_argument("--url"), parser.add_argument("--instance"), parser.add_argument("--out")
    parser.add_argument("--n", type=int), parser.add_argument("--round-id", type=int)
    parser.add_argument("--shapes")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        url = args.pg or f"sqlite:///{work / f'bench-{n}.sqlite'}"
        instance = str(work / "instance")
        started = time.perf_counter()
        if args.reuse and not args.pg and (work / f"bench-{n}.sqlite").exists():
            round_id = 1  # the only round of a generated file
        else:
            round_id = call("--child", "generate", "--url", url, "--instance", instance, "--n", str(n))["round_id"]
        generated = time.perf_counter() - started
        product = work / f"product-{n}.xlsx"
        built = call("--child", "build", "--url", url, "--instance", instance, "--round-id", str(round_id),
                     "--out", str(product))
        shapes_file = work / f"shapes-{n}.json"
        shapes_file.write_text(json.dumps({"shapes": built["shapes"], "samples": sample_rows(str(product))},
                                          default=lambda value: {"datetime": value.isoformat()}))
        raw = call("--child", "raw", "--shapes", str(shapes_file), "--out", str(work / f"raw-{n}.xlsx"))
        row = {"responses": n, "backend": "postgresql" if args.pg else "sqlite", "generate_s": round(generated, 1),
               "cells": raw["cells"], "build_s": round(built["seconds"], 1), "build_peak_mib": round(built["peak_mib"]),
               "app_ready_mib": round(built["ready_mib"]), "app_startup_peak_mib": round(built["startup_peak_mib"]),
               "raw_s": round(raw["seconds"], 1), "raw_peak_mib": round(raw["peak_mib"]),
               "time_ratio": round(built["seconds"] / raw["seconds"], 2), "build_cpu_s": round(built["cpu_s"], 1),
               "raw_cpu_s": round(raw["cpu_s"], 1), "cpu_ratio": round(built["cpu_s"] / raw["cpu_s"], 2),
               "size_mb": round(built["size_mb"], 1)}
        results.append(row)
        print(json.dumps(row), flush=True)
    print("\n| responses | cells | build wall / CPU s | raw wall / CPU s | ratio wall / CPU | build peak MiB "
          "(app ready) | raw peak MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['responses']:,} | {r['cells']:,} | {r['build_s']} / {r['build_cpu_s']} | {r['raw_s']} / "
              f"{r['raw_cpu_s']} | {r['time_ratio']}× / {r['cpu_ratio']}× | {r['build_peak_mib']} "
              f"({r['app_ready_mib']}) | {r['raw_peak_mib']} |")


if __name__ == "__main__":
    main()
