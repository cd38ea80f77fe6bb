"""The Respuestas sheets: one row per submitted response, labels on one sheet and codes on its twin.

Rows are read in keyset pages (``id > last``) rather than one long cursor: between pages
the progress callback may commit, which ends the read transaction, so an export of
100,000 responses never holds SQLite's lock (every transaction begins IMMEDIATE) or a
PostgreSQL snapshot for minutes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import ColumnElement, func, select, true

from questionnaires import Question
from survey.extensions import db
from survey.models import (
    Institution,
    Invitation,
    Organisation,
    QuestionnaireVersion,
    Region,
    Response,
    ResponseRevision,
)
from survey.models.rounds import SECTORS
from survey.workbook import evidence
from survey.workbook.cells import Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions
from survey.workbook.verification import open_label, states

PAGE = 1000
#: header characters a column is widened for; longer column names wrap
HEADER_WIDTH = 12
Progress = Callable[[int, int], None]
#: a converter turns one stored answer into (label values, code values), one per column
Converter = Callable[[Any], tuple[list[Any], list[Any]]]


def organisation_names() -> dict[int, str]:
    """Organisation id -> name, for the sheets that name who answered."""
    return dict(db.session.execute(select(Organisation.id, Organisation.name)).all())


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _labels(options, lang: str) -> dict[str, str]:
    return {_code(option.value): option.label.get(lang) for option in options}


def converter(question: Question, lang: str) -> tuple[list[str], Converter]:
    """The column names of *question* and the function that fills them from its answer."""
    names = list(question.field_names)
    kind = question.type
    if kind == "multiple_choice":
        codes = [_code(option.value) for option in question.options]
        names = [f"{question.key}__{code}" for code in codes]

        def multiple(value: Any) -> tuple[list, list]:
            if value is None:
                cells = [None] * len(codes)
            else:
                chosen = {_code(item) for item in (value if isinstance(value, list) else [value])}
                cells = [1 if code in chosen else 0 for code in codes]
            return cells, cells

        return names, multiple
    if kind == "matrix" and question.cell_type == "integer":
        cells_of = [(_code(row.value), _code(col.value)) for row in question.rows for col in question.columns]

        def grid_numbers(value: Any) -> tuple[list, list]:
            value = value if isinstance(value, dict) else {}
            cells = [_number((value.get(row) or {}).get(col) if isinstance(value.get(row), dict) else None)
                     for row, col in cells_of]
            return cells, cells

        return names, grid_numbers
    if kind == "matrix":
        rows = [_code(row.value) for row in question.rows]
        labels = _labels(question.options, lang)

        def grid(value: Any) -> tuple[list, list]:
            value = value if isinstance(value, dict) else {}
            codes = [value.get(row) for row in rows]
            return [labels.get(_code(c), c) if c is not None else None for c in codes], codes

        return names, grid
    return names, _scalar_converter(question, lang)


def _scalar_converter(question: Question, lang: str) -> Converter:
    kind = question.type
    if kind == "yes_no":
        yes, no = text("yes", lang), text("no", lang)

        def yes_no(value: Any) -> tuple[list, list]:
            if value is None:
                return [None], [None]
            return [yes if value else no], [1 if value else 0]

        return yes_no
    if kind in ("single_choice", "likert"):
        labels = _labels(question.options, lang)

        def choice(value: Any) -> tuple[list, list]:
            if value is None:
                return [None], [None]
            return [labels.get(_code(value), value)], [value]

        return choice
    if question.is_numeric:
        return lambda value: ([_number(value)], [_number(value)])
    if kind == "date":
        return lambda value: ([_date(value)], [_date(value)])
    return lambda value: ([value], [value])


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def pages(round_id: int, size: int = PAGE, where: ColumnElement[bool] | None = None) -> Iterator[list]:
    """Submitted responses of the round (of the invitations *where* keeps) in id order, *size* at a time
    (keyset pagination).

    The answers are those of the latest submitted revision: an official allowed to edit after
    submitting may have unsubmitted changes in ``Response.answers``.
    """
    where = true() if where is None else where
    last = 0
    while True:
        rows = db.session.execute(
            select(Response.id, QuestionnaireVersion.number, Invitation.institution_id,
                   func.coalesce(Response.organisation_id, Invitation.organisation_id), Invitation.region_id,
                   Invitation.sector, Response.submitted_at, ResponseRevision.answers)
            .join(Invitation, Response.invitation_id == Invitation.id)
            .join(ResponseRevision, (ResponseRevision.response_id == Response.id)
                  & (ResponseRevision.number == Response.revision))
            .join(QuestionnaireVersion, ResponseRevision.version_id == QuestionnaireVersion.id)
            .where(Response.round_id == round_id, Response.submitted_at.is_not(None), Response.id > last, where)
            .order_by(Response.id).limit(size)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def write_responses(labels: Sheet, codes: Sheet, questions: RoundQuestions, round_id: int, lang: str, *,
                    total: int, progress: Progress | None = None, page_size: int = PAGE,
                    where: ColumnElement[bool] | None = None, with_verification: bool = False,
                    evidence_keys: frozenset[str] = frozenset()) -> int:
    """Write every submitted response (of the invitations *where* keeps) to both sheets; return the
    number of rows written.

    With *with_verification*, each question's columns are followed by its verification column: the
    state with its source or note on the labels sheet, the state code on the codes sheet. The questions of
    *evidence_keys* get one more column after those: their files, sizes and whether staff verified the answer.
    """
    plan = [converter(entry.question, lang) for entry in questions]
    if with_verification:
        plan = [(names + [text("verification_of", lang, question=key)], convert)
                for (names, convert), key in zip(plan, (entry.key for entry in questions))]
    if evidence_keys:
        plan = [(names + [text("evidence_of", lang, question=key)] if key in evidence_keys else names, convert)
                for (names, convert), key in zip(plan, (entry.key for entry in questions))]
    institutions = {i.id: (i.name(lang), i.code) for i in db.session.scalars(select(Institution))}
    regions = {r.id: (r.name(lang), r.ubigeo) for r in db.session.scalars(select(Region))}
    names = organisation_names()
    fixed = [text(k, lang) for k in ("response_id", "version", "institution", "organisation", "region", "sector",
                                     "submitted_at")]
    sectors = {sector: text(f"sector.{sector}", lang) for sector in SECTORS}
    headers = fixed + [name for names, _ in plan for name in names]
    short_headers = [name[:HEADER_WIDTH] for name in headers]
    keys = [entry.key for entry in questions]
    converters = [convert for _, convert in plan]
    none = (None, None)
    done = 0
    for sheet in (labels, codes):
        sheet.ws.freeze_panes = "A2"
    unknown = open_label(lang)
    for page in pages(round_id, page_size, where):
        label_rows, code_rows = [], []
        decided = states((row[0] for row in page), lang) if with_verification else {}
        files = evidence.cells((row[0] for row in page), (found for found, (code, _) in decided.items()
                                                          if code == "verified"), lang) if evidence_keys else {}
        for response_id, version, inst_id, organisation_id, region_id, sector, submitted_at, answers in page:
            answers = answers or {}
            inst = institutions.get(inst_id, none)
            region = regions.get(region_id, none)
            organisation = names.get(organisation_id)
            # A question not asked to the response's sector stays empty: never stored, so never a zero.
            label_row = [response_id, version, inst[0], organisation, region[0], sectors.get(sector, sector),
                         submitted_at]
            code_row = [response_id, version, inst[1], organisation_id, region[1], sector, submitted_at]
            for key, convert in zip(keys, converters):
                label_cells, code_cells = convert(answers.get(key))
                label_row.extend(label_cells)
                code_row.extend(code_cells)
                if with_verification:
                    code, label = decided.get((response_id, key), unknown)
                    label_row.append(label)
                    code_row.append(code)
                if key in evidence_keys:
                    listed = files.get((response_id, key))
                    label_row.append(listed)
                    code_row.append(listed)
            label_rows.append(label_row)
            code_rows.append(code_row)
        if not done:
            # Widths follow the answers; the long column names wrap in the header row instead of
            # widening the table (121 columns fitted to their names printed 5 pages wide at 10 %).
            labels.fit_columns([short_headers, *label_rows[:50]], maximum=40)
            codes.fit_columns([short_headers, *code_rows[:50]], maximum=40)
            labels.header(headers, wrap=True)
            codes.header(headers, wrap=True)
        for row in label_rows:
            labels.append(row)
        for row in code_rows:
            codes.append(row)
        done += len(page)
        if progress is not None:
            progress(done, total)
    if not done:
        for sheet in (labels, codes):
            sheet.fit_columns([short_headers], maximum=40)
            sheet.header(headers, wrap=True)
    last = f"A1:{get_column_letter(len(headers))}{done + 1}"
    labels.ws.auto_filter.ref = last
    codes.ws.auto_filter.ref = last
    return done
