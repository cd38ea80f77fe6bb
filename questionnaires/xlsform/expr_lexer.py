"""Tokenizer for XLSForm (XPath subset) expressions, and :class:`ExprError`, raised by every expression step.

The tokens feed the recursive-descent parser in :mod:`.expr_parser`; the converters between its tree and
definition-document fields are :mod:`.expr_conditions` (``relevant``) and :mod:`.expr_constraints`
(``constraint``). Nothing is ever evaluated: an expression is either mapped exactly or refused with
:class:`ExprError`.
"""
from __future__ import annotations

import re
from typing import Any


class ExprError(ValueError):
    """An expression that cannot be parsed, rendered or mapped; the message says why."""


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
