"""XLSForm ``relevant`` expressions <-> our ``show_if`` conditions.

``relevant`` forms understood (``${q}`` must name a question; literal may be on either side)::

    ${q} = 'v'   ${q} != 'v'   ${n} > 10   >=   <   <=   selected(${q}, 'v')   not(...)   and   or   ( )
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .expr_lexer import ExprError
from .expr_literals import _number, _unsupported, literal, render_literal
from .expr_parser import (
    COMPARISONS,
    FLIPPED,
    Binary,
    BoolOp,
    Call,
    Dot,
    Lit,
    Ref,
    parse,
)

#: question key -> (type, option values or None); what the converters need to know about questions.
QuestionInfo = Mapping[str, tuple[str, list | None]]

NUMERIC_TYPES = frozenset({'integer', 'decimal', 'currency', 'likert'})

CONDITION_OPS = {'=': 'equals', '!=': 'not_equals', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte'}
CONDITION_SYMBOLS = {name: op for op, name in CONDITION_OPS.items()}


def render_condition(condition: Any, questions: QuestionInfo) -> str:
    """Render a show_if condition as an XLSForm ``relevant`` expression (raise ExprError if impossible)."""
    return _render(condition, questions, nested=False)


def _render(cond: Any, questions: QuestionInfo, nested: bool) -> str:
    if not isinstance(cond, Mapping):
        raise ExprError(f'{cond!r} is not a condition')
    for combinator, joiner in (('all', ' and '), ('any', ' or ')):
        if combinator in cond:
            items = cond[combinator]
            if len(cond) != 1 or not isinstance(items, list) or not items:
                raise ExprError(f'cannot render {combinator!r} condition {cond!r}')
            text = joiner.join(_render(item, questions, nested=True) for item in items)
            return f'({text})' if nested else text
    if 'not' in cond:
        if len(cond) != 1:
            raise ExprError(f'cannot render condition {cond!r}')
        return f'not({_render(cond["not"], questions, nested=False)})'
    key = cond.get('question')
    if not isinstance(key, str) or len(cond) != 2:
        raise ExprError(f'cannot render condition {cond!r}')
    (form, value), = ((k, v) for k, v in cond.items() if k != 'question')
    ref = f'${{{key}}}'
    qtype = questions.get(key, (None, None))[0]
    if form == 'in':
        if not isinstance(value, list) or not value:
            raise ExprError(f'cannot render condition {cond!r}')
        text = ' or '.join(f'{ref} = {_render_value(value_, qtype)}' for value_ in value)
        return f'({text})' if nested and len(value) > 1 else text
    if form == 'selected':
        return f'selected({ref}, {_render_value(value, qtype)})'
    if form not in CONDITION_SYMBOLS:
        raise ExprError(f'cannot render condition {cond!r}')
    return f'{ref} {CONDITION_SYMBOLS[form]} {_render_value(value, qtype)}'


def _render_value(value: Any, qtype: str | None) -> str:
    if isinstance(value, bool):
        if qtype == 'yes_no':
            return "'yes'" if value else "'no'"
        return 'true()' if value else 'false()'
    return render_literal(value)


def parse_condition(text: str, questions: QuestionInfo) -> dict:
    """Parse a ``relevant`` expression into a show_if condition; raise ExprError when it cannot be mapped."""
    return _condition(parse(text), questions)


def _condition(node: Any, questions: QuestionInfo) -> dict:
    if isinstance(node, BoolOp):
        return {'all' if node.op == 'and' else 'any': [_condition(item, questions) for item in node.items]}
    if isinstance(node, Call) and node.name == 'not':
        if len(node.args) != 1:
            raise ExprError('not() takes one argument')
        return {'not': _condition(node.args[0], questions)}
    if isinstance(node, Call) and node.name == 'selected':
        if len(node.args) != 2 or not isinstance(node.args[0], Ref):
            raise ExprError('selected() needs a ${question} and a value')
        key = _question(node.args[0], questions)
        value = literal(node.args[1])
        qtype = questions[key][0]
        if qtype == 'multiple_choice':
            return {'question': key, 'selected': _coerce(key, value, 'selected', questions)}
        if qtype in ('single_choice', 'yes_no', 'likert'):
            return {'question': key, 'equals': _coerce(key, value, 'equals', questions)}
        raise ExprError(f'selected() needs a choice question, ${{{key}}} is {qtype}')
    if isinstance(node, Binary) and node.op in COMPARISONS:
        op, left, right = node.op, node.left, node.right
        if not isinstance(left, Ref) and isinstance(right, Ref):
            op, left, right = FLIPPED[op], right, left
        if isinstance(left, Dot) or isinstance(right, Dot):
            raise ExprError(_unsupported(Dot()))
        if not isinstance(left, Ref):
            raise ExprError('a comparison needs a ${question} on one side')
        if isinstance(right, Ref):
            raise ExprError('comparing two questions is not supported')
        key = _question(left, questions)
        form = CONDITION_OPS[op]
        return {'question': key, form: _coerce(key, literal(right), form, questions)}
    if isinstance(node, Ref):
        raise ExprError(f'${{{node.name}}} alone is not a condition; compare it with a value')
    if isinstance(node, Lit):
        raise ExprError('a bare value is not a condition')
    raise ExprError(_unsupported(node))


def _question(ref: Ref, questions: QuestionInfo) -> str:
    if ref.name not in questions:
        raise ExprError(f'unknown question ${{{ref.name}}}')
    return ref.name


def _coerce(key: str, value: Any, form: str, questions: QuestionInfo) -> Any:
    qtype, options = questions[key]
    if qtype == 'yes_no':
        if form not in ('equals', 'not_equals'):
            raise ExprError(f'${{{key}}} is a yes/no question: only = and != are supported')
        if value in ('yes', 'no'):
            return value == 'yes'
        raise ExprError(f"${{{key}}} is a yes/no question: compare it with 'yes' or 'no', not {value!r}")
    if qtype in NUMERIC_TYPES:
        return _number(value)
    if form in ('gt', 'gte', 'lt', 'lte') and qtype != 'date':
        return _number(value)
    return option_value(value, options)


def option_value(value: Any, options: list | None) -> Any:
    """The option ``value`` names: same type first, else same text (``'3'`` names option 3); else ``value``."""
    for option in options or ():
        if type(option) is type(value) and option == value:
            return option
    for option in options or ():
        if str(option) == str(value):
            return option
    return value
