"""XLSForm (XPath subset) expressions <-> our ``show_if`` conditions and question bounds.

A small tokenizer and recursive-descent parser for the part of XPath 1.0 that XLSForm ``relevant`` and
``constraint`` columns use, plus the converters between the parsed tree and definition-document fields.
Nothing is ever evaluated: an expression is either mapped exactly or refused with :class:`ExprError`.

``relevant`` forms understood (``${q}`` must name a question; literal may be on either side)::

    ${q} = 'v'   ${q} != 'v'   ${n} > 10   >=   <   <=   selected(${q}, 'v')   not(...)   and   or   ( )

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union

#: question key -> (type, option values or None); what the converters need to know about questions.
QuestionInfo = Mapping[str, tuple[str, Union[list, None]]]

NUMERIC_TYPES = frozenset({'integer', 'decimal', 'currency', 'likert'})


class ExprError(ValueError):
    """An expression that cannot be parsed, rendered or mapped; the message says why."""


# --------------------------------------------------------------------------------------------------- tree

@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Dot:
    pass


@dataclass(frozen=True)
class Lit:
    value: Any          # str, int or float


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


@dataclass(frozen=True)
class Binary:
    op: str             # a comparison (= != < <= > >=) or arithmetic (+ - * div mod |)
    left: Any
    right: Any


@dataclass(frozen=True)
class BoolOp:
    op: str             # 'and' / 'or'
    items: tuple


COMPARISONS = ('=', '!=', '<', '<=', '>', '>=')
FLIPPED = {'=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<='}
CONDITION_OPS = {'=': 'equals', '!=': 'not_equals', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte'}
CONDITION_SYMBOLS = {name: op for op, name in CONDITION_OPS.items()}

# ----------------------------------------------------------------------------------------------- tokenizer

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<ref>\$\{[^}]*\})
  | (?P<num>\d+(?:\.\d*)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\||/|\(|\)|,)
  | (?P<dot>\.\.|\.)
  | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z_][A-Za-z0-9_\-]*)?)
''', re.VERBOSE)


def tokenize(text: str) -> list[tuple[str, Any]]:
    """Split ``text`` into (kind, value) tokens; kinds: ref, num, str, op, dot, name, end."""
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in '\'"':
                raise ExprError('unterminated string')
            raise ExprError(f'unexpected character {text[pos]!r}')
        kind = match.lastgroup
        raw = match.group()
        pos = match.end()
        if kind == 'ws':
            continue
        if kind == 'ref':
            name = raw[2:-1].strip()
            if not name:
                raise ExprError('empty ${} reference')
            tokens.append(('ref', name))
        elif kind == 'num':
            tokens.append(('num', float(raw) if '.' in raw else int(raw)))
        elif kind == 'str':
            tokens.append(('str', raw[1:-1]))
        elif kind == 'dot':
            if raw == '..':
                raise ExprError("'..' paths are not supported")
            tokens.append(('dot', raw))
        else:
            tokens.append((kind, raw))
    tokens.append(('end', None))
    return tokens


# -------------------------------------------------------------------------------------------------- parser

class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, Any]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        return token[0] == kind and (value is None or token[1] == value)

    def expect(self, kind: str, value: Any) -> None:
        if not self.at(kind, value):
            raise ExprError(f'expected {value!r} but found {self._describe()}')
        self.take()

    def _describe(self) -> str:
        kind, value = self.peek()
        return 'the end of the expression' if kind == 'end' else repr(value)

    def parse(self) -> Any:
        node = self.or_expr()
        if not self.at('end'):
            raise ExprError(f'unexpected {self._describe()}')
        return node

    def or_expr(self) -> Any:
        items = [self.and_expr()]
        while self.at('name', 'or'):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp('or', tuple(items))

    def and_expr(self) -> Any:
        items = [self.comparison()]
        while self.at('name', 'and'):
            self.take()
            items.append(self.comparison())
        return items[0] if len(items) == 1 else BoolOp('and', tuple(items))

    def comparison(self) -> Any:
        left = self.additive()
        if self.peek()[0] == 'op' and self.peek()[1] in COMPARISONS:
            op = self.take()[1]
            left = Binary(op, left, self.additive())
            if self.peek()[0] == 'op' and self.peek()[1] in COMPARISONS:
                raise ExprError('chained comparisons are not supported')
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.peek()[0] == 'op' and self.peek()[1] in ('+', '-', '|'):
            op = self.take()[1]
            left = Binary(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.at('op', '*') or self.at('name', 'div') or self.at('name', 'mod'):
            op = self.take()[1]
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.at('op', '-'):
            self.take()
            operand = self.unary()
            if isinstance(operand, Lit) and not isinstance(operand.value, str):
                return Lit(-operand.value)
            return Binary('-', Lit(0), operand)
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == 'num' or kind == 'str':
            return Lit(value)
        if kind == 'ref':
            return Ref(value)
        if kind == 'dot':
            return Dot()
        if kind == 'op' and value == '(':
            node = self.or_expr()
            self.expect('op', ')')
            return node
        if kind == 'op' and value == '/':
            raise ExprError('XPath paths are not supported; use ${name}')
        if kind == 'name' and self.at('op', '('):
            self.take()
            args = []
            if not self.at('op', ')'):
                args.append(self.or_expr())
                while self.at('op', ','):
                    self.take()
                    args.append(self.or_expr())
            self.expect('op', ')')
            return Call(value, tuple(args))
        if kind == 'name':
            raise ExprError(f'bare name {value!r} is not supported; use ${{{value}}}')
        if kind == 'end':
            raise ExprError('the expression ends too early')
        raise ExprError(f'unexpected {value!r}')


def parse(text: str) -> Any:
    """Parse an XLSForm expression into a tree of Ref/Dot/Lit/Call/Binary/BoolOp nodes."""
    return _Parser(text).parse()


# ------------------------------------------------------------------------------------------------ literals

def literal(node: Any) -> Any:
    """Return the constant value of ``node`` (number, string, date('...'), concat of strings) or raise."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Call) and node.name == 'date' and len(node.args) == 1:
        value = literal(node.args[0])
        if isinstance(value, str):
            return value
    if isinstance(node, Call) and node.name == 'concat' and node.args:
        parts = [literal(arg) for arg in node.args]
        if all(isinstance(part, str) for part in parts):
            return ''.join(parts)
    raise ExprError(_unsupported(node))


def _is_literal(node: Any) -> bool:
    try:
        literal(node)
    except ExprError:
        return False
    return True


def _unsupported(node: Any) -> str:
    if isinstance(node, Binary) and node.op not in COMPARISONS:
        return 'arithmetic is not supported'
    if isinstance(node, Call):
        return f'function {node.name}() is not supported here'
    if isinstance(node, Dot):
        return "'.' is only allowed in constraints"
    if isinstance(node, BoolOp):
        return f"'{node.op}' is not allowed here"
    if isinstance(node, Ref):
        return f'${{{node.name}}} is not allowed here'
    return 'unsupported expression'


def render_number(value: Any) -> str:
    """Render an int or float without exponent so that parsing gives the same value back."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f'{value!r} is not a number')
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ExprError(f'{value!r} cannot be written in XLSForm')
    text = repr(value)
    if 'e' in text or 'E' in text:
        text = format(Decimal(text), 'f')
        if '.' not in text:
            text += '.0'
    return text


def render_string(value: str) -> str:
    """Quote a string as an XPath literal (XPath has no escapes: concat() when both quotes occur)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return 'concat(' + ', '.join(render_string(part) if part else "''"
                                 for part in re.split(r"(')", value) if part) + ')'


def render_literal(value: Any) -> str:
    if isinstance(value, str):
        return render_string(value)
    return render_number(value)


def _number(value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r'-?\d+', text):
            return int(text)
        if re.fullmatch(r'-?(\d+\.\d*|\.\d+)', text):
            return float(text)
    raise ExprError(f'{value!r} is not a number')


# ---------------------------------------------------------------------------------------------- conditions

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


# ----------------------------------------------------------------------------------------------- constraints

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
