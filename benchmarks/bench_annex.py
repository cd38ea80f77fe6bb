"""Benchmark: the round's statistical annex (DOCX) against a bare python-docx document with the same
tables and images.

Not a test. It generates a round of N submitted responses to the 60-question questionnaire of
``bench_export.py`` (SQLite file, or PostgreSQL with ``--pg URL``), then in the same process

1. builds the annex with ``survey.reports.annex.build_docx`` (figures from the database, a table and a
   PNG chart per question, the methodology and index tables);
2. reads back every table (cell texts) and picture (PNG bytes) of that annex and writes them with bare
   python-docx into a new document: the same tables and images with no database, no figures, no charts
   to rasterise;

and reports wall and CPU time of both and their ratio.

    nice .venv/bin/python benchmarks/bench_annex.py --n 2000
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_export


def bare(source: Path, target: Path) -> dict:
    """Write *source*'s tables and pictures with bare python-docx into *target*; time only the writing."""
    from docx import Document
    from docx.shared import Cm

    doc = Document(str(source))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    pictures = [part.blob for part in doc.part.package.parts if part.content_type == "image/png"]
    started, cpu = time.perf_counter(), time.process_time()
    out = Document()
    for index, rows in enumerate(tables):
        out.add_heading(f"Table {index}", level=3)
        table = out.add_table(rows=len(rows), cols=max(len(row) for row in rows))
        table.style = "Light Grid Accent 1"
        for cells, row in zip(table.rows, rows, strict=True):
            for cell, value in zip(cells.cells, row, strict=False):
                cell.text = value
    for blob in pictures:
        out.add_picture(BytesIO(blob), width=Cm(15))
    out.save(str(target))
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
            "tables": len(tables), "pictures": len(pictures), "cells": sum(len(r) * len(r[0]) for r in tables)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--pg", help="an empty PostgreSQL database URL (postgresql+psycopg://...) instead of SQLite")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-annex-"))
    url = args.pg or f"sqlite:///{work / 'bench.db'}"
    instance = str(work / "instance")
    round_id = bench_export.generate(url, instance, args.n)
    from survey.extensions import db
    from survey.reports.annex import build_docx

    app = bench_export.make_app(url, instance)
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        build_docx(round_id, work / "annex.docx", progress=lambda done, total: db.session.commit())
        product = {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}
    raw = bare(work / "annex.docx", work / "bare.docx")
    print(f"responses {args.n}: annex {product['seconds']:.2f} s wall / {product['cpu_s']:.2f} s CPU; "
          f"bare python-docx ({raw['tables']} tables, {raw['cells']} cells, {raw['pictures']} pictures) "
          f"{raw['seconds']:.2f} s wall / {raw['cpu_s']:.2f} s CPU; ratio "
          f"{product['seconds'] / raw['seconds']:.2f}x wall / {product['cpu_s'] / raw['cpu_s']:.2f}x CPU")


if __name__ == "__main__":
    main()
