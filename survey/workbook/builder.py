"""Builds the consolidated workbook of a round in constant memory.

openpyxl's write-only mode streams each sheet to a temporary file (through lxml), so
memory does not grow with the number of responses; the responses themselves are read in
pages. Sheets are created in reading order first, then filled: the small ones from a few
aggregate queries, the response sheets last because they take the time and report progress.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from survey import scopes
from survey.extensions import db
from survey.models import Region, Round
from survey.models._types import utcnow
from survey.workbook import figures
from survey.workbook.axes import write_axis
from survey.workbook.cells import Sheet
from survey.workbook.compare import Side, write_compare
from survey.workbook.dictionary import write_dictionary
from survey.workbook.evidence import evidence_keys, write_evidence
from survey.workbook.i18n import text
from survey.workbook.invitations import write_invitations
from survey.workbook.matrix import write_matrix
from survey.workbook.questions import for_round
from survey.workbook.responses import PAGE, write_responses
from survey.workbook.summary import write_summary
from survey.workbook.verification import has_verification, write_queries

Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    """What was written."""

    path: Path
    rows: int
    #: (title, rows, columns) of every sheet, in order
    shapes: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def sheets(self) -> list[str]:
        """The sheet names, in order."""
        return [title for title, _, _ in self.shapes]


def build(round_id: int, path: str | os.PathLike, *, lang: str = "es", compare_round_id: int | None = None,
          progress: Progress | None = None, now: datetime | None = None, page_size: int = PAGE,
          region_ids: Iterable[int] | None = None, is_verified_only: bool = False) -> BuildResult:
    """Write the workbook of round *round_id* to *path* (atomically: a temporary file is renamed).

    :param lang: 'es' or 'en' for sheet names, headers and labels.
    :param compare_round_id: another round to compare with on a Comparativo sheet.
    :param is_verified_only: the figures (indices and per-question sheets) count verified answers only; the
        response sheets still list every answer, next to its verification state.
    :param region_ids: only these regions (a regional coordinator's workbook): every sheet is computed
        from their invitations and responses alone; None = every region.
    :param progress: called with (responses written, responses to write) after each page;
        the export task commits there, which also ends the read transaction.
    :raise LookupError: when a round does not exist.
    """
    lang = "en" if lang == "en" else "es"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    round_ = _round(round_id)
    questions = for_round(round_)
    regions = None if region_ids is None else frozenset(region_ids)
    where = None if regions is None else scopes.invitations_in_scope(scopes.Scope(regions, None, sees_people=True))
    scope_names = None if regions is None else list(db.session.scalars(
        select(Region.name_es if lang == "es" else Region.name_en).where(Region.id.in_(sorted(regions)))
        .order_by(Region.ubigeo)))
    total = figures.submitted_count(round_id, where)
    indices = figures.axis_indices(round_id, lang, where, is_verified_only=is_verified_only)
    stats = figures.question_stats(round_id, questions, where=where, is_verified_only=is_verified_only)
    other = None
    if compare_round_id is not None:
        other_round = _round(compare_round_id)
        other_questions = for_round(other_round)
        other = Side(other_round, other_questions, figures.question_stats(compare_round_id, other_questions,
                                                                          where=where),
                     figures.axis_indices(compare_round_id, lang, where))
    if progress is not None:
        progress(0, total)

    wb = Workbook(write_only=True)
    note = text("truncated", lang)
    summary = Sheet(wb, text("sheet.summary", lang), note)
    # The chart prints on a page of its own: a sheet holding only the chart, one page wide and tall.
    chart_sheet = Sheet(wb, text("sheet.chart", lang), note, title_rows=None, pages_tall=1)
    axes = questions.framework.axes
    axis_sheets = [(axis.key, Sheet(wb, text("sheet.axis", lang, number=str(n)), note))
                   for n, axis in enumerate(axes, 1)]
    axis_titles = {axis.key: text("sheet.axis_title", lang, number=str(n), name=axis.name.get(lang))
                   for n, axis in enumerate(axes, 1)}
    profile = questions.on_axis(None)
    profile_sheet = Sheet(wb, text("sheet.profile", lang), note) if profile else None
    matrix = Sheet(wb, text("sheet.matrix", lang), note)
    labels = Sheet(wb, text("sheet.responses", lang), note)
    codes = Sheet(wb, text("sheet.codes", lang), note)
    dictionary = Sheet(wb, text("sheet.dictionary", lang), note)
    invitations = Sheet(wb, text("sheet.invitations", lang), note)
    compare = Sheet(wb, text("sheet.compare", lang), note) if other is not None else None
    is_verifying = has_verification(round_id)
    queries = Sheet(wb, text("sheet.queries", lang), note) if is_verifying else None
    asks_evidence = evidence_keys(questions)
    files = Sheet(wb, text("sheet.evidence", lang), note) if asks_evidence else None

    write_summary(summary, chart_sheet, round_, questions, indices, lang, now or utcnow(), where=where,
                  scope_names=scope_names)
    if is_verified_only:
        summary.blank()
        summary.heading(text("verified_only", lang))
    for axis_key, sheet in axis_sheets:
        write_axis(sheet, axis_titles[axis_key], questions.on_axis(axis_key), stats, indices, axis_key, lang)
    if profile_sheet is not None:
        write_axis(profile_sheet, text("sheet.profile", lang), profile, stats, None, None, lang)
    write_matrix(matrix, questions, indices, lang)
    write_dictionary(dictionary, questions, lang)
    if compare is not None:
        write_compare(compare, Side(round_, questions, stats, indices), other, lang, is_national=where is None)
    write_invitations(invitations, round_id, lang, where)
    if queries is not None:
        write_queries(queries, round_id, questions, lang, where)
    if files is not None:
        write_evidence(files, round_id, lang, where)
    rows = write_responses(labels, codes, questions, round_id, lang, total=total, progress=progress,
                           page_size=page_size, where=where, with_verification=is_verifying,
                           evidence_keys=asks_evidence)

    partial = target.with_name(f".{target.name}.partial")
    try:
        wb.save(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    sheets = [summary, chart_sheet, *(sheet for _, sheet in axis_sheets), profile_sheet, matrix, labels, codes,
              dictionary, invitations, compare, queries, files]
    return BuildResult(target, rows, [(s.title, s.row_count, s.column_count) for s in sheets if s is not None])


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"round {round_id} does not exist")
    return round_
