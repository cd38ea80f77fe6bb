"""Checks between questions: show_if targets and values, max_ref and ratio denominators.

Every reference must point to an *earlier* question, which both rules out cycles and matches how
respondents fill the form: a page can only depend on what was already answered.
"""
from __future__ import annotations

from typing import Any

from .conditions import ORDER_OPERATORS, Combine, Compare, Condition, Not
from .load_fields import is_integer, is_number, iso_date
from .problems import Problems, join_place
from .schema import NUMERIC_TYPES, Question


class _Index:
    """Questions in questionnaire order with their places, for reference checks."""

    def __init__(self, entries: list[tuple[str, Question]]) -> None:
        self.entries = entries
        self.position: dict[str, int] = {}
        self.by_key: dict[str, Question] = {}
        for index, (_, question) in enumerate(entries):
            self.position.setdefault(question.key, index)
            self.by_key.setdefault(question.key, question)

    def target(self, key: str, index: int, place: str, problems: Problems, what: str) -> Question | None:
        """Return the earlier question ``key`` refers to, or record why it cannot be used."""
        if key not in self.by_key:
            problems.add(place, 'unknown_question', f'{what} refers to unknown question {key!r}')
            return None
        position = self.position[key]
        if position == index:
            problems.add(place, 'circular', f'{what} refers to the question itself ({key})')
            return None
        if position > index:
            problems.add(place, 'forward_reference', f'{what} refers to {key}, which comes later; '
                                                     'only earlier questions can be used')
            return None
        return self.by_key[key]


def check_references(entries: list[tuple[str, Question]], problems: Problems) -> None:
    """Check show_if, max_ref and ratio denominators of ``entries`` ((place, question) in order)."""
    index = _Index(entries)
    for position, (place, question) in enumerate(entries):
        if question.show_if is not None:
            _check_condition(question.show_if, index, position, join_place(place, 'show_if'), problems)
        if question.max_ref is not None:
            where = join_place(place, 'max_ref')
            target = index.target(question.max_ref, position, where, problems, 'max_ref')
            if target is not None and not target.is_numeric:
                problems.add(where, 'bad_max_ref', f'max_ref {target.key} is a {target.type} question, '
                                                   f'not one of {", ".join(NUMERIC_TYPES)}')
        score = question.score
        if score is not None and score.method == 'ratio':
            where = join_place(place, 'score', 'denominator')
            target = index.target(score.denominator, position, where, problems, 'the ratio denominator')
            if target is not None and not target.is_numeric:
                problems.add(where, 'bad_score', f'the denominator {target.key} is a {target.type} question, '
                                                 'not a numeric one')


def _check_condition(condition: Condition, index: _Index, position: int, place: str, problems: Problems) -> None:
    if isinstance(condition, Combine):
        for number, part in enumerate(condition.parts):
            _check_condition(part, index, position, join_place(place, f'{condition.op}[{number}]'), problems)
    elif isinstance(condition, Not):
        _check_condition(condition.part, index, position, join_place(place, 'not'), problems)
    elif isinstance(condition, Compare):
        target = index.target(condition.question, position, place, problems, 'show_if')
        if target is not None:
            _check_leaf(condition, target, place, problems)


def _check_leaf(leaf: Compare, target: Question, place: str, problems: Problems) -> None:
    where = join_place(place, leaf.op)
    if target.type == 'matrix':
        problems.add(place, 'bad_condition', f'{target.key} is a matrix; conditions on matrices are not supported')
        return
    if leaf.op == 'selected':
        if target.type != 'multiple_choice':
            problems.add(where, 'selected_not_multiple',
                         f'"selected" needs a multiple_choice question; {target.key} is {target.type}')
        elif not _fits(target, leaf.value):
            problems.add(where, 'unknown_option', f'{leaf.value!r} is not an option of {target.key}')
        return
    if target.type == 'multiple_choice':
        problems.add(where, 'bad_condition', f'{target.key} is multiple_choice: use "selected"')
        return
    ordered = target.is_numeric or target.type in ('likert', 'date')
    if leaf.op in ORDER_OPERATORS and not ordered:
        problems.add(where, 'bad_condition', f'"{leaf.op}" needs a numeric or date question; '
                                             f'{target.key} is {target.type}')
        return
    values = leaf.value if leaf.op == 'in' else (leaf.value,)
    for value in values:
        if not _fits(target, value, ordering=leaf.op in ORDER_OPERATORS):
            code = 'unknown_option' if target.options else 'bad_condition'
            problems.add(where, code, f'{value!r} is not a possible answer of {target.key} ({target.type})')


def _fits(target: Question, value: Any, ordering: bool = False) -> bool:
    """Tell whether ``value`` could be an answer of ``target`` (any number, for comparisons)."""
    if target.type == 'yes_no':
        return isinstance(value, bool)
    if target.type in NUMERIC_TYPES:
        return is_number(value)
    if target.type == 'date':
        return iso_date(value) == value
    if target.type in ('text', 'long_text'):
        return isinstance(value, str)
    if target.type == 'likert' and (ordering or not target.options):
        return is_number(value) if ordering else is_integer(value)
    return any(option.value == value and type(option.value) is type(value) for option in target.options)


def check_audiences(entries: list[tuple[str, Question]], audiences: dict[str, str | None],
                    problems: Problems) -> None:
    """Report references to a question that some of the referring question's respondents are never asked.

    ``audiences`` maps question keys to the audience each is asked to (None: everyone). A question for
    everyone that depends on a State-only question could never open (or be scored) for civil society.
    """
    for place, question in entries:
        asked = audiences.get(question.key)
        targets = [('show_if', key) for key in (question.show_if.question_keys() if question.show_if else ())]
        if question.max_ref is not None:
            targets.append(('max_ref', question.max_ref))
        if question.score is not None and question.score.denominator is not None:
            targets.append(('score / denominator', question.score.denominator))
        for field, key in targets:
            only = audiences.get(key)
            if only is not None and only != asked:
                problems.add(join_place(place, field), 'audience_reference',
                             f'{key} is asked to {only} respondents only, but this question is asked to '
                             f'{asked or "everyone"}')
