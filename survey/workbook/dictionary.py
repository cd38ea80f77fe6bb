"""The Diccionario sheet: every question of the round with what its columns in Respuestas mean."""
from __future__ import annotations

from typing import Any

from questionnaires import Question
from survey.workbook.cells import Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions
from survey.workbook.responses import converter

_WORDS = {
    "es": {"rows": "Filas", "columns": "Columnas", "min": "mín.", "max": "máx.", "decimals": "decimales",
           "currency": "moneda", "max_ref": "≤ respuesta a", "pattern": "formato", "exclusive": "excluyentes",
           "chars": "caracteres", "selections": "selecciones", "cells": "celdas"},
    "en": {"rows": "Rows", "columns": "Columns", "min": "min", "max": "max", "decimals": "decimals",
           "currency": "currency", "max_ref": "≤ answer to", "pattern": "pattern", "exclusive": "exclusive",
           "chars": "characters", "selections": "selections", "cells": "cells"},
}


def write_dictionary(sheet: Sheet, questions: RoundQuestions, lang: str) -> None:
    """One row per question key, in the order of the Respuestas columns."""
    t = lambda key: text(key, lang)
    headers = [t("key"), t("section"), t("axis"), t("type"), t("text_es"), t("text_en"), t("options"),
               t("validation"), t("show_if"), t("weight"), t("method"), t("columns"), t("in_versions")]
    framework = questions.framework
    rows = []
    for entry in questions:
        q = entry.question
        axis = _axis_name(framework, entry.axis, lang)
        columns, _ = converter(q, lang)
        rows.append([
            q.key, entry.section.title.get(lang), axis, t(f"type.{q.type}"), q.text.es, q.text.en or "",
            options_text(q, lang), validation_text(q, lang),
            q.show_if.describe(lang) if q.show_if is not None else "",
            q.score.weight if q.score is not None else None,
            q.score.method if q.score is not None else "",
            "\n".join(columns), ", ".join(str(v) for v in entry.versions),
        ])
    sheet.ws.freeze_panes = "B2"
    sheet.table(headers, rows, sample=len(rows))
    sheet.ws.auto_filter.ref = f"A1:M{len(rows) + 1}"


def _axis_name(framework, axis: str | None, lang: str) -> str:
    if axis is None:
        return ""
    try:
        return framework.axis(axis).name.get(lang)
    except KeyError:
        return axis


def options_text(q: Question, lang: str) -> str:
    """Options as ``code = label`` lines (grids also list their rows and columns)."""
    words = _WORDS[lang if lang in _WORDS else "es"]
    lines = [f"{o.value} = {o.label.get(lang)}" for o in q.options]
    if q.type == "yes_no":
        lines = [f"true (1) = {text('yes', lang)}", f"false (0) = {text('no', lang)}"]
    if q.rows:
        lines.append(f"{words['rows']}: " + "; ".join(f"{r.value} = {r.label.get(lang)}" for r in q.rows))
    if q.columns:
        lines.append(f"{words['columns']}: " + "; ".join(f"{c.value} = {c.label.get(lang)}" for c in q.columns))
    return "\n".join(lines)


def validation_text(q: Question, lang: str) -> str:
    """The rules an answer had to meet, in words."""
    words = _WORDS[lang if lang in _WORDS else "es"]
    parts: list[str] = []
    if q.required:
        parts.append(text("required", lang))
    unit = {"text": words["chars"], "long_text": words["chars"], "multiple_choice": words["selections"]}.get(q.type, "")
    for name in ("min", "max"):
        value: Any = getattr(q, name)
        if value is not None:
            parts.append(f"{words[name]} {value}{' ' + unit if unit else ''}")
    if q.cell_min is not None:
        parts.append(f"{words['cells']} {words['min']} {q.cell_min}")
    if q.cell_max is not None:
        parts.append(f"{words['cells']} {words['max']} {q.cell_max}")
    if q.type in ("decimal", "currency") and q.decimals is not None:
        parts.append(f"{words['decimals']} {q.decimals}")
    if q.type == "currency" and q.currency:
        parts.append(f"{words['currency']} {q.currency}")
    if q.max_ref:
        parts.append(f"{words['max_ref']} {q.max_ref}")
    if q.pattern:
        parts.append(f"{words['pattern']} {q.pattern}")
    if q.exclusive_options:
        parts.append(f"{words['exclusive']}: " + ", ".join(str(v) for v in q.exclusive_options))
    return "; ".join(parts)
