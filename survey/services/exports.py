"""Exports: request one, run it (in the worker), list, download and expire them.

An export is a workbook, the statistical annex (Word or PDF) or the regional fact sheets (PDF): one
row, one builder per kind (:data:`FILES`), the same claim, progress, download and expiry.

Functions add and flush; the caller commits. :func:`run` is the exception that proves the
rule: it reports progress through the *checkpoint* its caller passes (the task's commit),
because the progress bar is only useful if the web process can see it.
"""
from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from survey.extensions import db
from survey.models import Export, Round, User
from survey.models._types import utcnow
from survey.services import audit
from survey.workbook import builder as workbook

log = logging.getLogger(__name__)


class ExportError(ValueError):
    """An export that cannot be requested or downloaded."""


@dataclass(frozen=True)
class FileKind:
    """How one kind of export is built and sent."""

    suffix: str
    mimetype: str


#: the kinds this module builds, with their files
FILES = {
    "workbook": FileKind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "annex_docx": FileKind(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "annex_pdf": FileKind(".pdf", "application/pdf"),
    "factsheets": FileKind(".pdf", "application/pdf"),
    "evidence": FileKind(".zip", "application/zip"),
}
#: the writers' documents (survey.reports), requested beside the workbook
DOCUMENTS = ("annex_docx", "annex_pdf", "factsheets")


def _build(export: Export, path: Path, progress: Callable[[int, int], None]) -> workbook.BuildResult:
    """Build *export*'s file at *path* with the builder of its kind, limited to its regions."""
    options = {"lang": export.lang, "compare_round_id": export.compare_round_id, "progress": progress}
    if export.kind == "workbook":
        return workbook.build(export.round_id, path, region_ids=export.region_ids,
                              is_verified_only=export.is_verified_only, **options)
    if export.kind == "evidence":
        from survey.evidence import archive

        return archive.build(export.round_id, path, region_ids=export.region_ids, **options)
    # Imported here: WeasyPrint and python-docx are for the worker, not for every web process.
    from survey.reports import annex, factsheets

    if export.kind == "annex_docx":
        return annex.build_docx(export.round_id, path, region_ids=export.region_ids, **options)
    if export.kind == "annex_pdf":
        return annex.build_pdf(export.round_id, path, region_ids=export.region_ids, **options)
    if export.kind == "factsheets":
        # The pages: one region, or every region of the scope; the comparator: the scope as a whole
        # (the nation for national staff, a coordinator's regions combined, as on their results page).
        pages = [export.sheet_region_id] if export.sheet_region_id is not None else export.region_ids
        return factsheets.build(export.round_id, path, region_ids=pages, comparator_region_ids=export.region_ids,
                                **options)
    raise ExportError(f"exports of kind {export.kind!r} are not built here")


def _region_list(region_ids: Iterable[int] | None) -> list[int] | None:
    return None if region_ids is None else sorted(set(region_ids))


def request(round_: Round, user: User | None, *, lang: str = "es", compare_round: Round | None = None,
            actor: str | None = None, region_ids: Iterable[int] | None = None, kind: str = "workbook",
            sheet_region_id: int | None = None, is_verified_only: bool = False) -> Export:
    """Queue an export of *round_* (audited as ``export.request``); the caller commits, then enqueues.

    *region_ids* limits it to those regions (a regional coordinator's); None = every region.
    *kind* is one of :data:`FILES`; *sheet_region_id* (fact sheets only) asks for one region's page,
    which must lie within *region_ids*. *is_verified_only* (workbooks only): figures of verified answers only.
    """
    if kind not in FILES:
        raise ExportError(f"unknown kind {kind!r}: use one of {', '.join(FILES)}")
    if is_verified_only and kind != "workbook":
        raise ExportError("only workbooks are limited to verified answers")
    if sheet_region_id is not None and kind != "factsheets":
        raise ExportError("only fact sheets are limited to one region's page")
    if lang not in ("es", "en"):
        raise ExportError(f"unknown language {lang!r}: use es or en")
    if compare_round is not None and compare_round.id == round_.id:
        raise ExportError("a round cannot be compared with itself")
    regions = _region_list(region_ids)
    if regions is not None and not regions:
        raise ExportError("a regional workbook needs at least one region")
    if sheet_region_id is not None and regions is not None and sheet_region_id not in regions:
        raise ExportError("the fact sheet's region is outside the export's regions")
    export = Export(round_id=round_.id, compare_round_id=compare_round.id if compare_round else None, lang=lang,
                    status="queued", requested_by_id=user.id if user is not None else None, region_ids=regions,
                    kind=kind, sheet_region_id=sheet_region_id, is_verified_only=is_verified_only)
    db.session.add(export)
    db.session.flush()
    audit.record("export.request", export, actor=actor, round_id=round_.id, lang=lang, kind=kind,
                 compare_round_id=export.compare_round_id, region_ids=regions, sheet_region_id=sheet_region_id,
                 is_verified_only=is_verified_only)
    return export


def reusable(round_: Round, *, lang: str = "es", compare_round: Round | None = None,
             now: datetime | None = None, region_ids: Iterable[int] | None = None, kind: str = "workbook",
             sheet_region_id: int | None = None, is_verified_only: bool = False) -> Export | None:
    """A ready, unexpired export of the same file (kind, regions, sheet) that cannot be out of date, if any.

    Only closed rounds qualify (closed before that export started): nothing is submitted to
    them any more, so a 100,000-response workbook is built once, not once per reader.
    """
    rounds = [round_, *([compare_round] if compare_round is not None else [])]
    if any(r.status != "closed" or r.closed_at is None for r in rounds):
        return None
    latest_close = max(r.closed_at for r in rounds)
    candidates = db.session.scalars(
        select(Export)
        .where(Export.round_id == round_.id, Export.lang == lang, Export.status == "ready", Export.kind == kind,
               (Export.sheet_region_id.is_(None) if sheet_region_id is None
                else Export.sheet_region_id == sheet_region_id),
               Export.compare_round_id == (compare_round.id if compare_round is not None else None),
               Export.is_verified_only.is_(is_verified_only),
               Export.started_at > latest_close, Export.expires_at > (now or utcnow()))
        .order_by(Export.finished_at.desc())
    )
    # JSON is not comparable in SQL on both databases; a round has a handful of ready exports.
    wanted = _region_list(region_ids)
    return next((export for export in candidates if _region_list(export.region_ids) == wanted), None)


def covers(region_ids: Iterable[int] | None, export: Export) -> bool:
    """True if a user seeing *region_ids* (None = every region) may see *export*: every region the
    workbook holds is theirs. A national workbook is for national users only."""
    if region_ids is None:
        return True
    return export.region_ids is not None and set(export.region_ids) <= set(region_ids)


def for_round(round_id: int, region_ids: Iterable[int] | None = None,
              kinds: Iterable[str] | None = None) -> list[Export]:
    """The exports of a round that a user seeing *region_ids* (None = every region) may see, newest first;
    only those of *kinds* (None = every kind)."""
    query = select(Export).where(Export.round_id == round_id)
    if kinds is not None:
        query = query.where(Export.kind.in_(tuple(kinds)))
    found = db.session.scalars(query.order_by(Export.created_at.desc(), Export.id.desc()))
    return [export for export in found if covers(region_ids, export)]


def export_dir() -> Path:
    """The private folder of built files (``SURVEY_EXPORT_DIR``)."""
    return Path(current_app.config["SURVEY_EXPORT_DIR"])


#: defaults of the SURVEY_EXPORT_* recovery settings, in seconds
DEFAULTS = {
    # a queued export nobody started for this long lost its task (broker down or flushed)
    "SURVEY_EXPORT_REQUEUE_AFTER": 120.0,
    # a running export with no page written for this long lost its worker
    "SURVEY_EXPORT_STALE_AFTER": 300.0,
}


def setting(name: str) -> float:
    """An export recovery setting from the app config, or its default."""
    return float(current_app.config.get(name, DEFAULTS[name]))


def run(export_id: int, *, checkpoint: Callable[[], None], now: datetime | None = None) -> Export | None:
    """Build the file of a queued export; None if there is nothing to do.

    The build is claimed first (queued -> running, one conditional UPDATE), so two tasks of
    one export (the sweep queued it again, the broker redelivered it) never build it at once:
    the second finds it running with a recent heartbeat and does nothing. A build whose worker
    died (no page written for SURVEY_EXPORT_STALE_AFTER) is claimed again and starts over; the
    run that no longer owns the row at the end deletes its file instead of recording it.
    *checkpoint* is called after each state change and each page of responses (the task passes
    its commit). A failure is recorded on the row with its reason, and the exception is not
    re-raised: retrying would fail the same way.
    """
    now = now or utcnow()
    if not _claim(export_id, now):
        return None
    export = db.session.get(Export, export_id)
    db.session.refresh(export)
    checkpoint()
    kind = FILES.get(export.kind)
    path = export_dir() / f"export-{export.id}-{secrets.token_hex(8)}{kind.suffix if kind else ''}"

    def progress(done: int, total: int) -> None:
        export.rows_done, export.rows_total = done, total
        export.heartbeat_at = utcnow()
        checkpoint()

    try:
        result = _build(export, path, progress)
    except Exception as exc:
        log.exception("export %s failed", export_id)
        db.session.rollback()
        with contextlib.suppress(OSError):  # a half-written file; the folder itself may be the problem
            path.unlink(missing_ok=True)
        _finish(export_id, now, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=utcnow())
        checkpoint()
        return db.session.get(Export, export_id)
    finished = utcnow()
    size = result.path.stat().st_size
    if not _finish(export_id, now, status="ready", file_path=str(result.path), file_size=size,
                   rows_done=result.rows, rows_total=result.rows, finished_at=finished, heartbeat_at=finished,
                   expires_at=finished + timedelta(hours=current_app.config["SURVEY_EXPORT_TTL_HOURS"])):
        result.path.unlink(missing_ok=True)  # another run owns the export now: its file is the one recorded
    checkpoint()
    return db.session.get(Export, export_id)


def _claim(export_id: int, now: datetime) -> bool:
    stale_before = now - timedelta(seconds=setting("SURVEY_EXPORT_STALE_AFTER"))
    return db.session.execute(
        update(Export)
        .where(Export.id == export_id,
               or_(Export.status == "queued",
                   and_(Export.status == "running",
                        or_(Export.heartbeat_at.is_(None), Export.heartbeat_at <= stale_before))))
        .values(status="running", started_at=now, heartbeat_at=now, rows_done=0, error="")
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _finish(export_id: int, started_at: datetime, **values) -> bool:
    # Only the run that claimed the export last (same started_at) records its outcome.
    done = db.session.execute(
        update(Export)
        .where(Export.id == export_id, Export.status == "running", Export.started_at == started_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire_all()
    return done


def requeue_stale(now: datetime | None = None) -> list[int]:
    """Ids of exports whose build task may be lost; touched so the next sweeps wait again.

    Queued ones nobody started for SURVEY_EXPORT_REQUEUE_AFTER (the task was lost with the
    broker, or could not be queued after the commit), and running ones whose worker stopped
    writing pages for SURVEY_EXPORT_STALE_AFTER (put back to queued). The caller commits, then
    queues exports.build.
    """
    now = now or utcnow()
    requeue_before = now - timedelta(seconds=setting("SURVEY_EXPORT_REQUEUE_AFTER"))
    stale_before = now - timedelta(seconds=setting("SURVEY_EXPORT_STALE_AFTER"))
    heartbeat = Export.heartbeat_at
    ids = list(db.session.scalars(
        select(Export.id)
        .where(or_(and_(Export.status == "queued", func.coalesce(heartbeat, Export.created_at) <= requeue_before),
                   and_(Export.status == "running", func.coalesce(heartbeat, Export.started_at) <= stale_before)))
        .order_by(Export.id)
    ))
    if ids:
        # Back to queued and touched: the new task claims it, a run still alive somewhere no longer
        # owns it, and the next sweeps wait SURVEY_EXPORT_REQUEUE_AFTER before asking again.
        db.session.execute(
            update(Export).where(Export.id.in_(ids), Export.status.in_(("queued", "running")))
            .values(status="queued", heartbeat_at=now, rows_done=0)
            .execution_options(synchronize_session=False)
        )
    return ids


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
    audit.record("export.download", export, round_id=export.round_id, lang=export.lang, kind=export.kind)
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
