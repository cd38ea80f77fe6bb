"""Answer checking for a whole questionnaire or one page: visibility, required answers, cross checks."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .answer_values import CHECKERS, AnswerError, error
from .schema import Question, Questionnaire


@dataclass(frozen=True)
class AnswerCheck:
    """Result of :func:`check_answers`.

    ``cleaned`` holds the valid, normalised answers of visible checked questions only; ``errors``
    block submission; ``warnings`` (soft ``max_ref`` checks) are shown but do not block.
    """

    cleaned: dict
    errors: list[AnswerError] = field(default_factory=list)
    warnings: list[AnswerError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no blocking error."""
        return not self.errors

    def errors_by_key(self) -> dict[str, list[AnswerError]]:
        """Group errors (then warnings) by question key, for showing them next to fields."""
        grouped: dict[str, list[AnswerError]] = {}
        for item in [*self.errors, *self.warnings]:
            grouped.setdefault(item.key, []).append(item)
        return grouped


def _normalise(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[dict, dict]:
    """Check every answered question's value: (valid values by key, errors by key)."""
    values: dict[str, Any] = {}
    problems: dict[str, list[AnswerError]] = {}
    for question in questionnaire.questions:
        raw = answers.get(question.key)
        if raw is None:
            continue
        value, errors = CHECKERS[question.type](question, raw)
        if errors:
            problems[question.key] = errors
        if value is not None and (not errors or question.type == 'matrix'):
            values[question.key] = value
    return values, problems


def _visible(questionnaire: Questionnaire, values: Mapping[str, Any]) -> set[str]:
    # In order: a condition only sees earlier questions, so one pass settles every hidden chain.
    visible: set[str] = set()
    for question in questionnaire.questions:
        if question.show_if is None or question.show_if.evaluate(values, visible):
            visible.add(question.key)
    return visible


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[dict, dict, set[str]]:
    """Return (valid values by key, errors by key, visible keys); values of hidden questions included."""
    values, problems = _normalise(questionnaire, answers)
    return values, problems, _visible(questionnaire, values)


def visible_keys(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> set[str]:
    """Return the keys of the questions shown for ``answers``.

    A question is visible when it has no show_if, or its show_if is true given the valid answers to
    visible earlier questions; invalid answers count as unanswered.
    """
    values, _ = _normalise(questionnaire, answers)
    return _visible(questionnaire, values)


def check_answers(questionnaire: Questionnaire, answers: Mapping[str, Any], *,
                  keys: Collection[str] | None = None, require_complete: bool = True,
                  evidence: Collection[str] | None = None) -> AnswerCheck:
    """Check ``answers`` (question key -> JSON value) and return the cleaned answers and errors.

    :param keys: check only these questions (e.g. one section's keys for one page); visibility is
        still worked out from all ``answers``.
    :param require_complete: when False, unanswered required questions are not errors (autosave).
    :param evidence: the keys of the questions that have supporting documents attached; when given (and
        ``require_complete``), a visible question whose evidence is required and has none is an error.
    Hidden questions and unknown keys are dropped from ``cleaned`` without errors.
    """
    values, problems, visible = evaluate(questionnaire, answers)
    wanted = None if keys is None else set(keys)
    cleaned: dict[str, Any] = {}
    errors: list[AnswerError] = []
    warnings: list[AnswerError] = []
    for question in questionnaire.questions:
        key = question.key
        if key not in visible or (wanted is not None and key not in wanted):
            continue
        errors.extend(problems.get(key, []))
        if key in values:
            cleaned[key] = values[key]
        if require_complete and question.required:
            missing = _missing(question, values.get(key))
            if missing is not None and not (missing == {} and problems.get(key)):
                errors.append(error(key, 'required', 'an answer is required', **missing))
        if require_complete and evidence is not None and question.evidence == 'required' and key not in evidence:
            errors.append(error(key, 'evidence_required', 'a supporting document is required'))
        other = question.max_ref
        if key in cleaned and other in visible and values.get(other) is not None and cleaned[key] > values[other]:
            # Declared per question: a warning (shown, never blocking) unless the definition makes it an error.
            found = errors if question.max_ref_severity == 'error' else warnings
            found.append(error(key, 'max_ref', f'is greater than the answer to {other} ({values[other]})',
                               other=other, other_value=values[other], value=cleaned[key]))
    return AnswerCheck(cleaned, errors, warnings)


def _missing(question: Question, value: Any) -> dict | None:
    """None when a required question is fully answered, else the params of its ``required`` error."""
    if value is None:
        return {}
    if question.type != 'matrix':
        return None
    if question.cell_type == 'integer':
        cells = [f'{row.value}__{column.value}' for row in question.rows for column in question.columns
                 if value.get(row.value, {}).get(column.value) is None]
        return {'missing_cells': cells} if cells else None
    rows = [row.value for row in question.rows if row.value not in value]
    return {'missing_rows': rows} if rows else None
