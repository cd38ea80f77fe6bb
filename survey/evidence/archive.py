"""The ZIP of a round's supporting documents, built by the export worker like the workbook.

Folders ``region/organisation/question_key/file`` and an ``index.csv`` listing every file. Memory stays
bounded whatever the files weigh: each file is copied from storage into the archive in chunks (zipfile
compresses as it streams), the archive is written to disk, and only the list of files (metadata) is held.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from survey import scopes
from survey.evidence.listing import Listed, files_of_round
from survey.evidence.storage import CHUNK, storage
from survey.workbook.cells import is_formula_like
from survey.workbook.i18n import text

Progress = Callable[[int, int], None]
#: what a folder or file name inside the archive may hold; the rest becomes "_"
_UNSAFE = re.compile(r"[^\w .,()+-]+")


@dataclass
class ArchiveResult:
    """What was written: the file and how many documents it holds."""

    path: Path
    rows: int


def _part(value: str, fallback: str) -> str:
    # One path component: no separators, no "..", nothing a unzip tool would read as a path or a device.
    cleaned = _UNSAFE.sub("_", value).strip(" .")[:80]
    return cleaned or fallback


def _csv_cell(value: object) -> object:
    # index.csv opens in Excel: a name like "=HYPERLINK(...)" must stay text there too.
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def _paths(files: list[Listed]) -> list[str]:
    """The archive path of every file, unique (a second "informe.pdf" of one answer becomes "informe (2).pdf")."""
    taken: set[str] = set()
    paths = []
    for item in files:
        folder = "/".join((_part(item.region_key, "sin-region"), _part(item.organisation, "sin-nombre"),
                           _part(item.question_key, "pregunta")))
        stem, dot, extension = _part(item.name, "archivo").rpartition(".")
        stem, extension = (stem, dot + extension) if stem else (extension, "")
        candidate, number = f"{folder}/{stem}{extension}", 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{folder}/{stem} ({number}){extension}"
        taken.add(candidate.lower())
        paths.append(candidate)
    return paths


def build(round_id: int, path: str | os.PathLike, *, region_ids: Iterable[int] | None = None, lang: str = "es",
          progress: Progress | None = None, **_options) -> ArchiveResult:
    """Write the ZIP of round *round_id*'s live documents (of *region_ids* only, None = every region) to *path*
    (atomically: a temporary file is renamed); *progress* is called with (files written, files) after each file."""
    lang = "en" if lang == "en" else "es"
    where = None if region_ids is None else scopes.invitations_in_scope(
        scopes.Scope(frozenset(region_ids), None, sees_people=True))
    # Listed once (names and sizes only): the task commits between files, ending the read transaction.
    files = list(files_of_round(round_id, lang, where))
    total = len(files)
    if progress is not None:
        progress(0, total)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    backend = storage()
    yes, no = text("evidence.verified", lang), text("evidence.unverified", lang)
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow([text(key, lang) for key in ("evidence.path", "organisation", "region", "key", "evidence.name",
                                                 "evidence.size", "evidence.type", "evidence.sha256",
                                                 "evidence.uploaded_at", "evidence.state", "evidence.submitted")])
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for done, (item, inside) in enumerate(zip(files, _paths(files), strict=True), 1):
                with backend.open(item.stored_key) as source, archive.open(inside, "w", force_zip64=True) as sink:
                    shutil.copyfileobj(source, sink, CHUNK)
                writer.writerow([_csv_cell(value) for value in (
                    inside, item.organisation, item.region, item.question_key, item.name, item.size_bytes,
                    item.content_type, item.sha256, item.uploaded_at.isoformat(timespec="seconds"),
                    yes if item.is_verified else no, text("yes" if item.is_submitted else "no", lang))])
                if progress is not None:
                    progress(done, total)
            # A BOM so that Excel reads the accents of the index as UTF-8.
            archive.writestr("index.csv", "\ufeff" + index.getvalue())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return ArchiveResult(target, total)
