"""Workbook exports: request one, run it (in the worker), list, download and expire them.

Functions add and flush; the caller commits. :func:`run` is the exception that proves the
rule: it reports progress through the *checkpoint* its caller passes (the task's commit),
because the progress bar is only useful if the web process can see it.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from survey.extensions import db
from survey.models import Export, Round, User
from survey.models._types import utcnow
from survey.services import audit
from survey.workbook.builder import build

log = logging.getLogger(__name__)


class ExportError(ValueError):
    """An export that cannot be requested or downloaded."""


def request(round_: Round, user: User | None, *, lang: str = "es", compare_round: Round | None = None,
            actor: str | None = None) -> Export:
    """Queue a workbook of *round_* (audited as ``export.request``); the caller commits, then enqueues."""
    if lang not in ("es", "en"):
        raise ExportError(f"unknown language {lang!r}: use es or en")
    if compare_round is not None and compare_round.id == round_.id:
        raise ExportError("a round cannot be compared with itself")
    export = Export(round_id=round_.id, compare_round_id=compare_round.id if compare_round else None, lang=lang,
                    status="queued", requested_by_id=user.id if user is not None else None)
    db.session.add(export)
    db.session.flush()
    audit.record("export.request", export, actor=actor, round_id=round_.id, lang=lang,
                 compare_round_id=export.compare_round_id)
    return export


def reusable(round_: Round, *, lang: str = "es", compare_round: Round | None = None,
             now: datetime | None = None) -> Export | None:
    """A ready, unexpired export of the same workbook that cannot be out of date, if any.

    Only closed rounds qualify (closed before that export started): nothing is submitted to
    them any more, so a 100,000-response workbook is built once, not once per reader.
    """
    rounds = [round_, *([compare_round] if compare_round is not None else [])]
    if any(r.status != "closed" or r.closed_at is None for r in rounds):
        return None
    latest_close = max(r.closed_at for r in rounds)
    return db.session.scalar(
        select(Export)
        .where(Export.round_id == round_.id, Export.lang == lang, Export.status == "ready",
               Export.compare_round_id == (compare_round.id if compare_round is not None else None),
               Export.started_at > latest_close, Export.expires_at > (now or utcnow()))
        .order_by(Export.finished_at.desc()).limit(1)
    )


def for_round(round_id: int) -> list[Export]:
    """The exports of a round, newest first."""
    return list(db.session.scalars(
        select(Export).where(Export.round_id == round_id).order_by(Export.created_at.desc(), Export.id.desc())
    ))


def export_dir() -> Path:
    """The private folder of built files (``SURVEY_EXPORT_DIR``)."""
    return Path(current_app.config["SURVEY_EXPORT_DIR"])


def run(export_id: int, *, checkpoint: Callable[[], None], now: datetime | None = None) -> Export | None:
    """Build the file of a queued export; None if there is nothing to do.

    A redelivered task (worker killed mid-build) finds the export ``running`` and starts it
    again; a finished export is left alone. *checkpoint* is called after each state change
    and each page of responses (the task passes its commit). A failure is recorded on the
    row with its reason, and the exception is not re-raised: retrying would fail the same way.
    """
    export = db.session.get(Export, export_id)
    if export is None or export.is_finished:
        return None
    export.status = "running"
    export.started_at = now or utcnow()
    export.rows_done = 0
    export.error = ""
    checkpoint()
    path = export_dir() / f"export-{export.id}-{secrets.token_hex(8)}.xlsx"

    def progress(done: int, total: int) -> None:
        export.rows_done, export.rows_total = done, total
        checkpoint()

    try:
        result = build(export.round_id, path, lang=export.lang, compare_round_id=export.compare_round_id,
                       progress=progress)
    except Exception as exc:
        log.exception("export %s failed", export_id)
        db.session.rollback()
        export = db.session.get(Export, export_id)
        export.status = "failed"
        export.error = f"{type(exc).__name__}: {exc}"[:2000]
        export.finished_at = utcnow()
        checkpoint()
        return export
    finished = utcnow()
    export.status = "ready"
    export.file_path = str(result.path)
    export.file_size = result.path.stat().st_size
    export.rows_done = export.rows_total = result.rows
    export.finished_at = finished
    export.expires_at = finished + timedelta(hours=current_app.config["SURVEY_EXPORT_TTL_HOURS"])
    checkpoint()
    return export


def download(export: Export, *, now: datetime | None = None) -> Path:
    """The file of a ready export, audited as ``export.download``.

    :raise ExportError: when the export is not ready, has expired or its file is gone.
    """
    now = now or utcnow()
    if export.status != "ready" or not export.file_path:
        raise ExportError("the export is not ready")
    if export.expires_at is not None and export.expires_at <= now:
        raise ExportError("the export has expired")
    path = Path(export.file_path)
    if not path.is_file():
        raise ExportError("the export file is missing")
    audit.record("export.download", export, round_id=export.round_id, lang=export.lang)
    return path


def expire(now: datetime | None = None) -> int:
    """Delete the files of exports past their expiry and mark them expired; return how many."""
    now = now or utcnow()
    due = db.session.scalars(select(Export).where(Export.status == "ready", Export.expires_at <= now)).all()
    for export in due:
        Path(export.file_path).unlink(missing_ok=True)
        export.status = "expired"
        export.file_path = ""
    db.session.flush()
    return len(due)
