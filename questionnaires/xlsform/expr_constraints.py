"""XLSForm ``constraint`` expressions <-> question bounds (min, max, max_ref, pattern, exclusive_options).

``constraint`` forms (a conjunction of)::

    . >= N   . > N   . <= N   . < N   . <= ${other}          integer, decimal, currency (strict bounds: integer only)
    . >= date('YYYY-MM-DD') ...                                date (strict bounds move by one day)
    string-length(.) <= N   regex(., 'pattern')                 text, long_text
    count-selected(.) >= N   not(selected(., 'v') and count-selected(.) > 1)   multiple_choice (exclusive option)
"""
from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

from .expr_conditions import QuestionInfo, _question, option_value
from .expr_lexer import ExprError
from .expr_literals import (
    _is_literal,
    _number,
    _unsupported,
    literal,
    render_literal,
    render_number,
    render_string,
)
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


def render_constraint(question: Mapping, qtype: str) -> dict[str, list[str]]:
    """Return {field: [constraint parts]} for the fields of a question of our ``qtype`` a constraint expresses.

    The parts of all fields joined with `` and `` make the ``constraint`` column. Fields whose value cannot
    be written are left out (the caller keeps them elsewhere).
    """
    parts: dict[str, list[str]] = {}

    def add(field: str, render) -> None:
        if field in question:
            try:
                parts[field] = render(question[field])
            except (ExprError, TypeError, ValueError):
                pass

    def date(value: Any) -> str:
        if not isinstance(value, str):
            raise ExprError('not a date')
        return f'date({render_string(value)})'

    if qtype in ('integer', 'decimal', 'currency'):
        add('min', lambda v: [f'. >= {render_number(v)}'])
        add('max', lambda v: [f'. <= {render_number(v)}'])
        add('max_ref', lambda v: [f'. <= ${{{_name(v)}}}'])
    elif qtype == 'date':
        add('min', lambda v: [f'. >= {date(v)}'])
        add('max', lambda v: [f'. <= {date(v)}'])
    elif qtype in ('text', 'long_text'):
        add('min', lambda v: [f'string-length(.) >= {render_number(v)}'])
        add('max', lambda v: [f'string-length(.) <= {render_number(v)}'])
        if qtype == 'text':
            add('pattern', lambda v: [f'regex(., {render_string("^(?:" + v + ")$")})'])
    elif qtype == 'multiple_choice':
        add('min', lambda v: [f'count-selected(.) >= {render_number(v)}'])
        add('max', lambda v: [f'count-selected(.) <= {render_number(v)}'])
        add('exclusive_options', lambda values: [
            f'not(selected(., {render_literal(value)}) and count-selected(.) > 1)' for value in values])
    return {field: found for field, found in parts.items() if found}


def _name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_.\-]*', value):
        raise ExprError(f'{value!r} is not a question name')
    return value


def parse_constraint(text: str, qtype: str, questions: QuestionInfo, options: list | None = None) -> dict:
    """Map a ``constraint`` expression for a question of our ``qtype`` to fields (min, max, max_ref, ...)."""
    if qtype not in _SUBJECTS:
        raise ExprError(f'constraints are not supported for {qtype} questions')
    fields: dict = {}
    for node in _conjuncts(parse(text)):
        if qtype == 'multiple_choice' and _exclusive(node) is not None:
            fields.setdefault('exclusive_options', []).append(option_value(_exclusive(node), options))
            continue
        if isinstance(node, Call) and node.name == 'regex':
            if qtype not in ('text', 'long_text') or len(node.args) != 2 or node.args[0] != Dot():
                raise ExprError('regex(., pattern) is only supported for text questions')
            _set(fields, 'pattern', _pattern(literal(node.args[1])))
            continue
        if not (isinstance(node, Binary) and node.op in COMPARISONS and node.op not in ('=', '!=')):
            raise ExprError(_unsupported(node) if not isinstance(node, Binary) or node.op not in COMPARISONS
                            else f"'{node.op}' is not supported in constraints")
        op, subject, other = node.op, node.left, node.right
        if _subject(subject) is None:
            op, subject, other = FLIPPED[op], other, subject
        kind, expected = _subject(subject), _SUBJECTS[qtype]
        if kind != expected:
            wanted = {'value': '.', 'length': 'string-length(.)', 'count': 'count-selected(.)'}[expected]
            raise ExprError(f'a {qtype} constraint must compare {wanted} with a value')
        if isinstance(other, Ref):
            if qtype not in ('integer', 'decimal', 'currency') or op != '<=':
                raise ExprError(f'only . <= ${{question}} is supported, not {op} ${{{other.name}}}')
            _set(fields, 'max_ref', _question(other, questions))
            continue
        value = literal(other)
        if qtype == 'date':
            lower, bound = _date_bound(op, value)
        elif qtype in ('decimal', 'currency'):
            if op in ('<', '>'):
                raise ExprError(f"a strict bound ('{op}') cannot be represented for {qtype} questions; use "
                                f"'{op}='")
            lower, bound = op == '>=', _number(value)
        else:
            lower, bound = _integer_bound(op, _number(value))
        _set(fields, 'min' if lower else 'max', bound)
    return fields


#: What a constraint of each type bounds: the value (.), its length or its number of selections.
_SUBJECTS = {'integer': 'value', 'decimal': 'value', 'currency': 'value', 'date': 'value',
             'text': 'length', 'long_text': 'length', 'multiple_choice': 'count'}


def _conjuncts(node: Any) -> list:
    if isinstance(node, BoolOp) and node.op == 'and':
        return [part for item in node.items for part in _conjuncts(item)]
    return [node]


def _subject(node: Any) -> str | None:
    if isinstance(node, Dot):
        return 'value'
    if isinstance(node, Call) and node.args == (Dot(),):
        return {'string-length': 'length', 'count-selected': 'count'}.get(node.name)
    return None


def _exclusive(node: Any) -> Any:
    """The option value of ``not(selected(., v) and count-selected(.) > 1)`` (either order), else None."""
    if not (isinstance(node, Call) and node.name == 'not' and len(node.args) == 1):
        return None
    inner = node.args[0]
    if not (isinstance(inner, BoolOp) and inner.op == 'and' and len(inner.items) == 2):
        return None
    for selected, count in (inner.items, inner.items[::-1]):
        if (isinstance(selected, Call) and selected.name == 'selected' and len(selected.args) == 2
                and selected.args[0] == Dot() and _is_literal(selected.args[1])
                and isinstance(count, Binary) and _subject(count.left) == 'count'
                and (count.op, count.right) in (('>', Lit(1)), ('>=', Lit(2)))):
            return literal(selected.args[1])
    return None


def _set(fields: dict, name: str, value: Any) -> None:
    if name in fields:
        raise ExprError(f'more than one {"lower bound" if name == "min" else "upper bound" if name == "max" else name}')
    fields[name] = value


def _integer_bound(op: str, value: int | float) -> tuple[bool, int]:
    """Exact inclusive integer bound for ``. op value``: (is lower bound, bound)."""
    if op == '>=':
        return True, math.ceil(value)
    if op == '>':
        return True, math.floor(value) + 1
    if op == '<=':
        return False, math.floor(value)
    return False, math.ceil(value) - 1


def _date_bound(op: str, value: Any) -> tuple[bool, str]:
    try:
        day = datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ExprError(f'{value!r} is not a date (YYYY-MM-DD)')
    step = {'>': 1, '<': -1}.get(op, 0)
    return op in ('>', '>='), (day + datetime.timedelta(days=step)).isoformat()


def _pattern(value: Any) -> str:
    """XLSForm regex() searches; our pattern must match the whole answer."""
    if not isinstance(value, str):
        raise ExprError('regex() needs a string pattern')
    match = re.fullmatch(r'\^\(\?:(.*)\)\$', value, re.DOTALL)
    if match and _compiles(match.group(1)):
        return match.group(1)
    if value.startswith('^') and value.endswith('$') and not value.endswith('\\$') and '|' not in value:
        return value
    return f'.*(?:{value}).*'


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True
