"""One sheet per axis: each question's results, then the axis index by institution and by region.

Sheets are small (questions × options), so rows are assembled first and the column widths
fitted to all of them before anything is written.
"""
from __future__ import annotations

from typing import Any

from questionnaires import Question
from survey.workbook import figures
from survey.workbook.cells import ONE_DECIMAL, PERCENT, Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import Entry

#: a planned row: (style, values, {column: number format}); style is heading, header, data or blank
Row = tuple[str, list[Any], dict[int, str]]


def write_axis(sheet: Sheet, title: str, entries: list[Entry], stats: dict[str, figures.QuestionStats],
               indices: figures.Indices | None, axis: str | None, lang: str) -> None:
    """Fill *sheet* under the heading *title* (the full axis name, printed atop every page) with the
    results of *entries*, then (for a real axis) the index tables."""
    rows: list[Row] = [("heading", [title], {}), ("blank", [], {})]
    for entry in entries:
        rows.extend(question_rows(entry.question, stats[entry.key], lang))
        rows.append(("blank", [], {}))
    if indices is not None and axis is not None:
        rows.extend(_index_rows(text("index_by_institution", lang), text("institution", lang),
                                indices.institutions, axis, lang, text("no_institution", lang)))
        rows.append(("blank", [], {}))
        rows.extend(_index_rows(text("index_by_region", lang), text("region", lang),
                                indices.regions, axis, lang, text("no_region", lang)))
    sheet.fit_columns([values for style, values, _ in rows if style != "heading"], maximum=50)
    sheet.write_planned(rows)


def question_rows(q: Question, stats: figures.QuestionStats, lang: str) -> list[Row]:
    """The rows describing one question's answers (counts, percentages, numeric summaries)."""
    t = lambda key: text(key, lang)
    rows: list[Row] = [("heading", [f"{q.key} — {q.text.get(lang)}"], {}),
                       ("data", [t("answers"), stats.answered], {})]
    if q.type in ("single_choice", "likert", "yes_no", "multiple_choice"):
        rows.append(("header", [t("option"), t("code"), t("count"), t("percent")], {}))
        for label, code, count in choice_counts(q, stats, lang):
            share = count / stats.answered if stats.answered else None
            rows.append(("data", [label, code, count, share], {3: PERCENT}))
    if q.type in ("integer", "decimal", "currency", "likert"):
        rows.append(("header", [t("answers"), t("mean"), t("median"), t("min"), t("max")], {}))
        rows.append(_number_row([], stats.numbers.get("")))
    elif q.type == "matrix" and q.cell_type == "integer":
        rows.append(("header", [t("row"), t("column"), t("answers"), t("mean"), t("median"), t("min"), t("max")],
                     {}))
        for row in q.rows:
            for col in q.columns:
                number = stats.numbers.get(f"{row.value}__{col.value}")
                rows.append(_number_row([row.label.get(lang), col.label.get(lang)], number))
    elif q.type == "matrix":
        rows.append(("header", [t("row"), *[o.label.get(lang) for o in q.options]], {}))
        for row in q.rows:
            rows.append(("data", [row.label.get(lang), *[stats.count(o.value, str(row.value)) for o in q.options]],
                         {}))
    elif q.type == "date":
        rows.append(("header", [t("earliest"), t("latest")], {}))
        rows.append(("data", [stats.first_date, stats.last_date], {}))
    elif q.type in ("text", "long_text"):
        rows.append(("data", [t("free_text_note")], {}))
    return rows


def choice_counts(q: Question, stats: figures.QuestionStats, lang: str) -> list[tuple[str, Any, int]]:
    """(label, code, count) for every option, plus any stored value no option describes."""
    if q.type == "yes_no":
        return [(text("yes", lang), "true", stats.count(True)), (text("no", lang), "false", stats.count(False))]
    if q.type == "multiple_choice":
        known = [(o.label.get(lang), o.value, stats.selected(o.value)) for o in q.options]
        codes = {str(o.value) for o in q.options}
        extra = sorted({item for item, _ in stats.counts if item not in codes})
        return known + [(item, item, stats.selected(item)) for item in extra]
    known = [(o.label.get(lang), o.value, stats.count(o.value)) for o in q.options]
    codes = {str(o.value) for o in q.options}
    extra = sorted(value for item, value in stats.counts if not item and value not in codes)
    return known + [(value, value, stats.count(value)) for value in extra]


def _number_row(prefix: list[Any], number: figures.NumberStats | None) -> Row:
    if number is None:
        return ("data", [*prefix, 0, None, None, None, None], {})
    start = len(prefix) + 1
    return ("data", [*prefix, number.count, number.mean, number.median, number.minimum, number.maximum],
            {start: ONE_DECIMAL, start + 1: ONE_DECIMAL})


def _index_rows(title: str, label: str, groups: list[figures.GroupIndex], axis: str, lang: str,
                unnamed: str) -> list[Row]:
    rows: list[Row] = [("heading", [title], {}),
                       ("header", [label, text("responses", lang), text("index", lang)], {})]
    for group in groups:
        rows.append(("data", [group.name or unnamed, group.responses, group.index(axis)], {2: ONE_DECIMAL}))
    return rows
