"""show_if conditions: immutable expression trees over earlier answers.

A leaf compares one question's answer; ``all``/``any``/``not`` combine leaves. A leaf on a question
that is hidden or unanswered is false (so ``not`` of it is true), as the format doc states.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .problems import Problems, join_place

#: Leaf operators; ``in`` takes a list, the others a single value.
LEAF_OPERATORS = ('equals', 'not_equals', 'gt', 'gte', 'lt', 'lte', 'in', 'selected')
ORDER_OPERATORS = ('gt', 'gte', 'lt', 'lte')
_SYMBOLS = {'equals': '=', 'not_equals': '≠', 'gt': '>', 'gte': '≥', 'lt': '<', 'lte': '≤'}
_WORDS = {
    'es': {'in': 'es uno de', 'selected': 'incluye', 'all': 'y', 'any': 'o', 'not': 'no', True: 'sí', False: 'no'},
    'en': {'in': 'is one of', 'selected': 'includes', 'all': 'and', 'any': 'or', 'not': 'not', True: 'yes',
           False: 'no'},
}


def same_value(left: Any, right: Any) -> bool:
    """Compare two answer values, never treating booleans as the numbers 0/1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def _words(lang: str) -> dict:
    return _WORDS.get(lang, _WORDS['es'])


def _show(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _words(lang)[value]
    return str(value)


class Condition:
    """Base class of show_if conditions."""

    def evaluate(self, answers: Mapping[str, Any], visible_keys: Collection[str]) -> bool:
        """Tell whether the condition holds for ``answers``, counting only questions in ``visible_keys``."""
        raise NotImplementedError

    def question_keys(self) -> tuple[str, ...]:
        """The question keys the condition refers to, in order of appearance, without repeats."""
        raise NotImplementedError

    def to_document(self) -> dict:
        """Return the condition as a definition fragment."""
        raise NotImplementedError

    def describe(self, lang: str = 'es') -> str:
        """Return a short human-readable form, e.g. ``institution = other``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Compare(Condition):
    """A leaf: ``{question: K, <op>: value}``; ``value`` is a tuple for ``in``."""

    question: str
    op: str
    value: Any

    def evaluate(self, answers: Mapping[str, Any], visible_keys: Collection[str]) -> bool:
        """See :meth:`Condition.evaluate`."""
        if self.question not in visible_keys:
            return False
        answer = answers.get(self.question)
        if answer is None:
            return False
        if self.op == 'equals':
            return same_value(answer, self.value)
        if self.op == 'not_equals':
            return not same_value(answer, self.value)
        if self.op == 'in':
            return any(same_value(answer, item) for item in self.value)
        if self.op == 'selected':
            return isinstance(answer, (list, tuple)) and any(same_value(item, self.value) for item in answer)
        return _compare_order(answer, self.op, self.value)

    def question_keys(self) -> tuple[str, ...]:
        """See :meth:`Condition.question_keys`."""
        return (self.question,)

    def to_document(self) -> dict:
        """See :meth:`Condition.to_document`."""
        value = list(self.value) if self.op == 'in' else self.value
        return {'question': self.question, self.op: value}

    def describe(self, lang: str = 'es') -> str:
        """See :meth:`Condition.describe`."""
        if self.op == 'in':
            items = ', '.join(_show(item, lang) for item in self.value)
            return f'{self.question} {_words(lang)["in"]} ({items})'
        if self.op == 'selected':
            return f'{self.question} {_words(lang)["selected"]} {_show(self.value, lang)}'
        return f'{self.question} {_SYMBOLS[self.op]} {_show(self.value, lang)}'


def _compare_order(answer: Any, op: str, value: Any) -> bool:
    # Numbers compare with numbers and ISO dates with ISO dates; anything else is simply false.
    if isinstance(answer, bool) or isinstance(value, bool):
        return False
    if not ((isinstance(answer, (int, float)) and isinstance(value, (int, float)))
            or (isinstance(answer, str) and isinstance(value, str))):
        return False
    if op == 'gt':
        return answer > value
    if op == 'gte':
        return answer >= value
    if op == 'lt':
        return answer < value
    return answer <= value


@dataclass(frozen=True)
class Combine(Condition):
    """``{all: [...]}`` (every part true) or ``{any: [...]}`` (at least one part true)."""

    op: str
    parts: tuple[Condition, ...]

    def evaluate(self, answers: Mapping[str, Any], visible_keys: Collection[str]) -> bool:
        """See :meth:`Condition.evaluate`."""
        results = (part.evaluate(answers, visible_keys) for part in self.parts)
        return all(results) if self.op == 'all' else any(results)

    def question_keys(self) -> tuple[str, ...]:
        """See :meth:`Condition.question_keys`."""
        return tuple(dict.fromkeys(key for part in self.parts for key in part.question_keys()))

    def to_document(self) -> dict:
        """See :meth:`Condition.to_document`."""
        return {self.op: [part.to_document() for part in self.parts]}

    def describe(self, lang: str = 'es') -> str:
        """See :meth:`Condition.describe`."""
        joiner = f' {_words(lang)[self.op]} '
        return joiner.join(_nested(part, lang) for part in self.parts)


@dataclass(frozen=True)
class Not(Condition):
    """``{not: cond}``: true when ``cond`` is false (including when its question is hidden)."""

    part: Condition

    def evaluate(self, answers: Mapping[str, Any], visible_keys: Collection[str]) -> bool:
        """See :meth:`Condition.evaluate`."""
        return not self.part.evaluate(answers, visible_keys)

    def question_keys(self) -> tuple[str, ...]:
        """See :meth:`Condition.question_keys`."""
        return self.part.question_keys()

    def to_document(self) -> dict:
        """See :meth:`Condition.to_document`."""
        return {'not': self.part.to_document()}

    def describe(self, lang: str = 'es') -> str:
        """See :meth:`Condition.describe`."""
        return f'{_words(lang)["not"]} ({self.part.describe(lang)})'


def _nested(part: Condition, lang: str) -> str:
    # Parenthesise nested and/or so "a and (b or c)" keeps its meaning when read aloud.
    text = part.describe(lang)
    return f'({text})' if isinstance(part, Combine) and len(part.parts) > 1 else text


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and value == value  # value == value rules out NaN


def parse_condition(doc: Any, place: str, problems: Problems) -> Condition | None:
    """Build a condition from a document fragment, recording shape problems; None when unusable.

    Only the shape is checked here; whether the question exists, comes earlier and fits the
    operator is checked by the loader, which knows the whole questionnaire.
    """
    if not isinstance(doc, Mapping):
        problems.add(place, 'bad_condition', 'a condition must be a mapping')
        return None
    combinators = [name for name in ('all', 'any', 'not') if name in doc]
    if combinators:
        if len(doc) != 1:
            problems.add(place, 'bad_condition', f'"{combinators[0]}" must be the only key of its condition, '
                                                 f'found: {", ".join(map(str, doc))}')
            return None
        name = combinators[0]
        if name == 'not':
            part = parse_condition(doc['not'], join_place(place, 'not'), problems)
            return Not(part) if part is not None else None
        items = doc[name]
        if not isinstance(items, list) or not items:
            problems.add(join_place(place, name), 'bad_condition', f'"{name}" needs a non-empty list of conditions')
            return None
        parts = [parse_condition(item, join_place(place, f'{name}[{i}]'), problems) for i, item in enumerate(items)]
        if any(part is None for part in parts):
            return None
        return Combine(name, tuple(parts))
    return _parse_leaf(doc, place, problems)


def _parse_leaf(doc: Mapping, place: str, problems: Problems) -> Condition | None:
    question = doc.get('question')
    operators = [key for key in doc if key in LEAF_OPERATORS]
    others = [str(key) for key in doc if key != 'question' and key not in LEAF_OPERATORS]
    ok = True
    if not isinstance(question, str) or not question:
        problems.add(place, 'bad_condition', 'a condition needs "question" (a question key), '
                                             'or one of "all", "any", "not"')
        ok = False
    if others:
        problems.add(place, 'bad_condition', f'unknown condition keys: {", ".join(others)} '
                                             f'(operators: {", ".join(LEAF_OPERATORS)}, all, any, not)')
        ok = False
    if len(operators) != 1:
        problems.add(place, 'bad_condition', 'a condition needs exactly one operator out of '
                                             f'{", ".join(LEAF_OPERATORS)}; found {len(operators)}')
        return None
    op = operators[0]
    value = doc[op]
    if op == 'in':
        if not isinstance(value, list) or not value or not all(_is_scalar(item) for item in value):
            problems.add(join_place(place, 'in'), 'bad_condition', '"in" needs a non-empty list of plain values')
            return None
        value = tuple(value)
    elif op in ORDER_OPERATORS:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value != value:
            problems.add(join_place(place, op), 'bad_condition', f'"{op}" needs a number (or an ISO date)')
            return None
    elif not _is_scalar(value):
        problems.add(join_place(place, op), 'bad_condition', f'"{op}" needs a plain value (text, number, true/false)')
        return None
    return Compare(question, op, value) if ok else None
