"""The Comparativo sheet: two rounds side by side (older first), on the question keys they share.

Shows the national index per axis, then for each shared question the number of answers,
the share per option (choice questions) or the mean (numbers), and the change; then the
questions that exist in only one of the rounds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey.models import Round
from survey.workbook import figures
from survey.workbook.axes import choice_counts
from survey.workbook.cells import ONE_DECIMAL, PERCENT, Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions

CHOICES = ("single_choice", "multiple_choice", "yes_no", "likert")


@dataclass
class Side:
    """One round of the comparison with its figures."""

    round: Round
    questions: RoundQuestions
    stats: dict[str, figures.QuestionStats]
    indices: figures.Indices


def _change(old: Any, new: Any) -> float | None:
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return new - old
    return None


def write_compare(sheet: Sheet, first: Side, second: Side, lang: str, *, is_national: bool = True) -> None:
    """Write the comparison of *first* and *second*, ordered by opening date (older on the left);
    *is_national* False for a regional workbook (the index heading says so)."""
    old, new = sorted((first, second), key=lambda side: side.round.opens_at)
    t = lambda key: text(key, lang)
    rows: list[tuple[str, list[Any], dict[int, str]]] = []
    rows.append(("heading", [f"{t('sheet.compare')}: {old.round.title} → {new.round.title}"], {}))
    rows.append(("heading", [t("national_index" if is_national else "regional_index")], {}))
    rows.append(("header", [t("axis"), old.round.title, new.round.title, t("change")], {}))
    for axis in new.questions.framework.axes:
        a, b = old.indices.national.index(axis.key), new.indices.national.index(axis.key)
        rows.append(("data", [axis.name.get(lang), a, b, _change(a, b)], dict.fromkeys((1, 2, 3), ONE_DECIMAL)))
    rows.append(("blank", [], {}))
    rows.append(("heading", [t("shared_questions")], {}))
    rows.append(("header", [t("key"), t("question"), t("indicator"), old.round.title, new.round.title,
                            t("change")], {}))
    for entry in new.questions:
        before = old.questions.get(entry.key)
        if before is not None:
            rows.extend(_question_rows(entry.question, before.question, old.stats[entry.key],
                                       new.stats[entry.key], lang))
    for side, other in ((old, new), (new, old)):
        only = [entry for entry in side.questions if entry.key not in other.questions]
        rows.append(("blank", [], {}))
        rows.append(("heading", [t("only_in").format(round=side.round.title)], {}))
        if not only:
            rows.append(("data", [t("none")], {}))
        for entry in only:
            rows.append(("data", [entry.key, entry.question.text.get(lang)], {}))
    sheet.fit_columns([values for style, values, _ in rows if style != "heading"], maximum=50)
    sheet.write_planned(rows)


def _question_rows(new_q, old_q, old: figures.QuestionStats, new: figures.QuestionStats, lang: str) -> list:
    label = new_q.text.get(lang)
    rows = [("data", [new_q.key, label, text("answers", lang), old.answered, new.answered,
                      _change(old.answered, new.answered)], {})]
    if new_q.type in CHOICES and old_q.type == new_q.type:
        new_counts = {str(code): (name, n) for name, code, n in choice_counts(new_q, new, lang)}
        old_counts = {str(code): (name, n) for name, code, n in choice_counts(old_q, old, lang)}
        for code in [*new_counts, *(c for c in old_counts if c not in new_counts)]:
            name = (new_counts.get(code) or old_counts[code])[0]
            a = old_counts[code][1] / old.answered if code in old_counts and old.answered else None
            b = new_counts[code][1] / new.answered if code in new_counts and new.answered else None
            rows.append(("data", [new_q.key, label, text("percent_of", lang, label=name), a, b, _change(a, b)],
                         dict.fromkeys((3, 4, 5), PERCENT)))
    if new_q.type in ("integer", "decimal", "currency", "likert") and old_q.type == new_q.type:
        a, b = old.numbers.get(""), new.numbers.get("")
        a_mean, b_mean = (a.mean if a else None), (b.mean if b else None)
        rows.append(("data", [new_q.key, label, text("mean_of", lang), a_mean, b_mean, _change(a_mean, b_mean)],
                     dict.fromkeys((3, 4, 5), ONE_DECIMAL)))
    return rows
