"""The statistical annex of a round as an editable Word document (and, through LibreOffice, as PDF).

A methodology section written from the data (questionnaire versions and what changed since the previous
round, invitations and response rates by region, sector and institution), then one chapter per axis: the
index nationally, per region and per institution, a table and a chart per question, and the changes since
the previous round on the question keys both share. Every figure comes from ``survey.workbook.figures``
(the workbook's queries), with the workbook's labels.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from docx import Document
from flask_babel import force_locale
from flask_babel import gettext as _

import questionnaires
from survey import charts
from survey.extensions import db
from survey.models import Round
from survey.reports import data
from survey.reports import verification as checks
from survey.reports.convert import docx_to_pdf
from survey.reports.docx_parts import add_chart, add_planned, add_table, shown
from survey.workbook import figures
from survey.workbook.axes import choice_counts, question_rows
from survey.workbook.builder import BuildResult
from survey.workbook.cells import PERCENT
from survey.workbook.compare import _question_rows as change_rows
from survey.workbook.i18n import text

Progress = Callable[[int, int], None]


def build_docx(round_id: int, path: str | os.PathLike, *, lang: str = "es", compare_round_id: int | None = None,
               progress: Progress | None = None, region_ids: Iterable[int] | None = None) -> BuildResult:
    """Write the annex of round *round_id* to *path* (atomically) and return what was written.

    :param compare_round_id: the previous round (year-over-year changes); None: the latest earlier round
        of the same questionnaire, if any.
    :param region_ids: only these regions (a coordinator's annex); None: every region.
    """
    lang = "en" if lang == "en" else "es"
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"round {round_id} does not exist")
    previous = db.session.get(Round, compare_round_id) if compare_round_id else data.previous_round(round_)
    region_ids = None if region_ids is None else sorted(region_ids)
    now = data.load(round_, lang, region_ids)
    before = data.load(previous, lang, region_ids) if previous is not None else None
    axes = now.questions.framework.axes
    # Rounds nobody verified keep the annex as it was: no section, no per-question line.
    status = checks.load(round_.id, lang, data.where_for(region_ids))
    status = status if status.is_started else None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = Document()
    with force_locale(lang):
        doc.add_heading(_("Anexo estadístico: %(round)s", round=round_.title), level=0)
        names = data.region_names(region_ids, lang)
        if names:
            doc.add_paragraph(_("Este anexo cubre solo las regiones siguientes: %(regions)s.",
                                regions=", ".join(names)))
        _methodology(doc, now, before, lang)
        if status is not None:
            _verification(doc, status, lang, is_national=region_ids is None)
        for number, axis in enumerate(axes, 1):
            _axis_chapter(doc, number, axis, now, before, status, lang, is_national=region_ids is None)
            if progress is not None:
                progress(number, len(axes) + 1)
        profile = now.questions.on_axis(None)
        if profile:
            doc.add_heading(text("sheet.profile", lang), level=1)
            for entry in profile:
                add_planned(doc, _for_the_annex(question_rows(entry.question, now.stats[entry.key], lang), lang))
                _verified_line(doc, status, entry.key)
    partial = target.with_name(f".{target.name}.partial")
    try:
        doc.save(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None:
        progress(len(axes) + 1, len(axes) + 1)
    return BuildResult(target, now.total.submitted)


def build_pdf(round_id: int, path: str | os.PathLike, **options) -> BuildResult:
    """The annex as PDF: the DOCX of :func:`build_docx` converted by LibreOffice headless."""
    target = Path(path)
    with tempfile.TemporaryDirectory(prefix="survey-annex-") as work:
        result = build_docx(round_id, Path(work) / "anexo.docx", **options)
        docx_to_pdf(result.path, target)
    return BuildResult(target, result.rows)


def _methodology(doc, now: data.RoundFigures, before: data.RoundFigures | None, lang: str) -> None:
    doc.add_heading(_("Metodología"), level=1)
    questionnaire = now.questions.questionnaire
    doc.add_paragraph(_("Cuestionario: %(title)s, versión(es) %(versions)s. Solo cuentan las respuestas enviadas; "
                        "el índice de un eje (0 a 100) es la media de los índices de las respuestas que lo tienen.",
                        title=questionnaire.title.get(lang),
                        versions=", ".join(str(n) for n in now.questions.version_numbers)))
    if before is None:
        doc.add_paragraph(_("No hay una ronda anterior del mismo cuestionario con la cual comparar."))
    else:
        old_version, new_version = before.round.version, now.round.version
        if old_version.id == new_version.id:
            doc.add_paragraph(_("La ronda anterior (%(round)s) usó la misma versión del cuestionario.",
                                round=before.round.title))
        else:
            doc.add_paragraph(_("Cambios del cuestionario desde la ronda anterior (%(round)s):",
                                round=before.round.title))
            changes = questionnaires.diff(old_version.load(), new_version.load()).as_text(lang)
            for line in changes.splitlines():
                if line.strip():
                    doc.add_paragraph(line.strip(), style="List Bullet")
    doc.add_heading(_("Invitaciones y tasas de respuesta"), level=2)
    t = lambda key: text(key, lang)
    for label, groups, unnamed in ((t("region"), now.by_region, t("no_region")),
                                   (t("sector"), now.by_sector, ""),
                                   (t("institution"), now.by_institution, t("no_institution"))):
        rows = [[_group_name(group, lang) or unnamed, group.invited, group.submitted, group.rate]
                for group in groups]
        rows.append([t("total"), now.total.invited, now.total.submitted, now.total.rate])
        add_table(doc, [label, t("invited"), t("submitted"), t("rate")], rows, [{3: "0.0%"}] * len(rows))
        doc.add_paragraph()


def _group_name(group: figures.Participation, lang: str) -> str:
    # Sector rows carry the sector code as their name.
    return text(f"sector.{group.name}", lang) if group.name in ("state", "civil") and group.id is None else group.name


def _verification(doc, status: checks.VerificationStatus, lang: str, *, is_national: bool) -> None:
    """The methodology's verification paragraph and its table per region."""
    t = lambda key: text(key, lang)
    states = status.total.by_state
    doc.add_heading(_("Verificación de las respuestas"), level=2)
    doc.add_paragraph(_("El equipo verificó las respuestas con sus fuentes. De las %(total)s respuestas a preguntas "
                        "%(where)s, %(verified)s están verificadas, %(contested)s observadas, %(queried)s en consulta "
                        "con la institución y %(open)s siguen pendientes de revisión.",
                        total=status.total.total, verified=states["verified"], contested=states["contested"],
                        queried=states["queried"], open=states["open"],
                        where=_("de todo el país") if is_national else _("de las regiones de este anexo")))
    rows = [[tally.label or t("no_region"), tally.by_state["verified"], tally.by_state["contested"],
             tally.by_state["queried"], tally.by_state["open"], tally.total] for tally in status.by_region]
    rows.append([t("total"), states["verified"], states["contested"], states["queried"], states["open"],
                 status.total.total])
    add_table(doc, [t("region"), _("Verificadas"), _("Observadas"), _("Consultadas"), _("Pendientes"),
                    _("Total de respuestas")], rows)
    doc.add_paragraph()


def _verified_line(doc, status: checks.VerificationStatus | None, key: str) -> None:
    """Under a question's table: how many of its answers staff verified (nothing in a round nobody verified)."""
    verified, answers = status.verified(key) if status is not None else (0, 0)
    if answers:  # a question nobody answered has nothing to verify
        doc.add_paragraph(_("Respuestas verificadas: %(verified)s de %(answers)s.", verified=verified,
                            answers=answers))


def _axis_chapter(doc, number: int, axis, now: data.RoundFigures, before: data.RoundFigures | None,
                  status: checks.VerificationStatus | None, lang: str, *, is_national: bool) -> None:
    t = lambda key: text(key, lang)
    doc.add_heading(t("sheet.axis_title").format(number=number, name=axis.name.get(lang)), level=1)
    label = _("Índice nacional") if is_national else _("Índice de las regiones de este anexo")
    national = now.indices.national.index(axis.key)
    line = f"{label}: {shown(national)}"
    if before is not None:
        old = before.indices.national.index(axis.key)
        line += " " + _("(%(round)s: %(old)s; cambio: %(change)s)", round=before.round.title, old=shown(old),
                        change=shown(None if old is None or national is None else national - old))
    doc.add_paragraph(line)
    old_regions = {g.id: g for g in before.indices.regions} if before is not None else {}
    header = [t("region"), t("responses"), t("index")]
    if before is not None:
        header += [before.round.title, t("change")]
    rows = []
    for group in now.indices.regions:
        row = [group.name or t("no_region"), group.responses, group.index(axis.key)]
        if before is not None:
            old_group = old_regions.get(group.id)
            old = old_group.index(axis.key) if old_group is not None else None
            value = group.index(axis.key)
            row += [old, None if old is None or value is None else value - old]
        rows.append(row)
    doc.add_heading(t("index_by_region"), level=2)
    add_table(doc, header, rows)
    add_chart(doc, charts.bar_chart(t("index_by_region"), [(r[0], r[2]) for r in rows], maximum=100))
    doc.add_heading(t("index_by_institution"), level=2)
    add_table(doc, [t("institution"), t("responses"), t("index")],
              [[g.name or t("no_institution"), g.responses, g.index(axis.key)] for g in now.indices.institutions])
    doc.add_heading(_("Preguntas"), level=2)
    entries = now.questions.on_axis(axis.key)
    for entry in entries:
        stats = now.stats[entry.key]
        add_planned(doc, _for_the_annex(question_rows(entry.question, stats, lang), lang))
        _verified_line(doc, status, entry.key)
        if entry.question.type in figures.CHOICE_TYPES and stats.answered:
            items = [(name, count / stats.answered) for name, _code, count in
                     choice_counts(entry.question, stats, lang)]
            add_chart(doc, charts.bar_chart(f"{entry.key}: {entry.question.text.get(lang)}", items, maximum=1,
                                            percent=True))
    if before is not None:
        doc.add_heading(_("Cambios respecto de %(round)s", round=before.round.title), level=2)
        rows, formats = [], []
        for entry in entries:
            old = before.questions.get(entry.key)
            if old is None:
                continue
            for _style, values, number_formats in change_rows(entry.question, old.question, before.stats[entry.key],
                                                              now.stats[entry.key], lang):
                # The key, then the workbook's columns from the indicator on (the question's text is above).
                row, row_formats = [entry.key, *values[2:]], {column - 1: f for column, f in number_formats.items()}
                change = len(row) - 1
                if row_formats.get(change) == PERCENT and isinstance(row[change], int | float):
                    # Two shares differ by percentage points, not by a percentage.
                    row[change] = _("%(points)s p. p.", points=f"{100 * row[change]:+.1f}")
                    row_formats.pop(change)
                rows.append(row)
                formats.append(row_formats)
        add_table(doc, [t("key"), t("indicator"), before.round.title, now.round.title, t("change")], rows, formats)


def _for_the_annex(planned: list, lang: str) -> list:
    """The workbook's rows of a question, with the workbook's pointers made to fit a document."""
    pointer = text("free_text_note", lang)
    with force_locale(lang):
        note = _("Texto libre: no se resume aquí; las respuestas están en el libro de la ronda (hoja Respuestas).")
    return [(style, [note if value == pointer else value for value in values], formats)
            for style, values, formats in planned]
