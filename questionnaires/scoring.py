"""Compliance indices: 0-100 per framework axis from weighted question points.

index(axis) = 100 * sum(weight * points) / sum(weight) over the axis' scored questions that are
not excluded; None when nothing on the axis is scored. Rules are in docs/definition-format.md.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .answers import evaluate
from .schema import Question, Questionnaire, Score

SCORED = 'scored'
EXCLUDED = 'excluded'
ZERO = 'zero'


@dataclass(frozen=True)
class QuestionScore:
    """How one scored question counted: ``status`` scored/excluded/zero and the ``reason``.

    Reasons: answered, hidden, unanswered, excluded_value, zero_denominator, no_denominator.
    ``points`` is None when excluded; ``weight`` is the question's weight either way.
    """

    key: str
    axis: str
    weight: float
    points: float | None
    status: str
    reason: str


def score_details(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[QuestionScore, ...]:
    """Return how every scored question counts toward its axis, in questionnaire order.

    Answers are checked first: invalid answers and answers to hidden questions are ignored.
    """
    values, _, visible = evaluate(questionnaire, answers)
    shown = {key: value for key, value in values.items() if key in visible}
    details = []
    for section in questionnaire.sections:
        if section.axis is None:
            continue
        for question in section.questions:
            if question.score is not None:
                status, points, reason = _question_points(question, question.score, shown, visible)
                details.append(QuestionScore(question.key, section.axis, question.score.weight, points, status,
                                             reason))
    return tuple(details)


def score(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, float | None]:
    """Return the 0-100 index of every framework axis (framework order), None where nothing is scored."""
    totals = {axis: [0.0, 0.0] for axis in questionnaire.framework.axis_keys}
    for detail in score_details(questionnaire, answers):
        if detail.status != EXCLUDED:
            totals[detail.axis][0] += detail.weight * detail.points
            totals[detail.axis][1] += detail.weight
    # Clamped because float sums of weight * 1.0 may overshoot 100 by an ulp.
    return {axis: (min(100.0, max(0.0, 100 * earned / weight)) if weight else None)
            for axis, (earned, weight) in totals.items()}


def scored_axes(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The axes (framework order) holding at least one scored question; for a sector's view
    (``questionnaire.for_sector``), the axes that kind of respondent is scored on."""
    used = {section.axis for section in questionnaire.sections
            if section.axis is not None and any(question.score is not None for question in section.questions)}
    return tuple(axis for axis in questionnaire.framework.axis_keys if axis in used)


def overall(scores: Mapping[str, float | None], axes: Collection[str] | None = None) -> float | None:
    """Unweighted mean of the axis indices, or None unless every axis has a value.

    :param axes: the axes that count (e.g. :func:`scored_axes` of a sector's view, so that an axis a
        civil-society member is never asked about leaves the mean instead of emptying it); default all.
    """
    values = [value for axis, value in scores.items() if axes is None or axis in axes]
    if not values or any(value is None for value in values):
        return None
    return sum(values) / len(values)


def _question_points(question: Question, rule: Score, values: Mapping[str, Any],
                     visible: set[str]) -> tuple[str, float | None, str]:
    if question.key not in visible:
        # if_hidden: zero means the missing prerequisite itself counts as non-compliance.
        return (ZERO, 0.0, 'hidden') if rule.if_hidden == 'zero' else (EXCLUDED, None, 'hidden')
    value = values.get(question.key)
    if value is None:
        return EXCLUDED, None, 'unanswered'
    return _METHODS[rule.method](question, rule, value, values)


def _boolean(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    return SCORED, 1.0 if value else 0.0, 'answered'


def _option_points(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    if value in rule.exclude_values:
        return EXCLUDED, None, 'excluded_value'
    return SCORED, float(rule.points.get(value, 0)), 'answered'


def _count_selected(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    counted = [item for item in value if item not in rule.exclude_options]
    cap = rule.cap or len([item for item in question.option_values if item not in rule.exclude_options]) or 1
    return SCORED, min(len(counted) / cap, 1.0), 'answered'


def _thresholds(rule: Score, number: float) -> float:
    for threshold in rule.thresholds:
        if threshold.matches(number):
            return float(threshold.points)
    return 0.0


def _threshold(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    return SCORED, _thresholds(rule, value), 'answered'


def _ratio(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    denominator = values.get(rule.denominator)
    if denominator is None:
        return EXCLUDED, None, 'no_denominator'
    if denominator == 0:
        if rule.on_zero_denominator == 'zero':
            return ZERO, 0.0, 'zero_denominator'
        return EXCLUDED, None, 'zero_denominator'
    return SCORED, _thresholds(rule, value / denominator), 'answered'


def _linear(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    return SCORED, (value - question.min) / (question.max - question.min), 'answered'


def _matrix_mean(question: Question, rule: Score, value: Any, values: Mapping) -> tuple:
    cells = [cell for cell in value.values() if cell not in rule.exclude_values]
    if not cells:
        return EXCLUDED, None, 'excluded_value'
    return SCORED, sum(float(rule.column_points.get(cell, 0)) for cell in cells) / len(cells), 'answered'


_METHODS = {
    'boolean': _boolean,
    'option_points': _option_points,
    'count_selected': _count_selected,
    'threshold': _threshold,
    'ratio': _ratio,
    'linear': _linear,
    'matrix_mean': _matrix_mean,
}
