"""Constant values in XLSForm expressions: reading them from a parsed tree and writing them back as text.

Also the message for a node that is not allowed where it stands, shared by the condition and constraint
converters.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from .expr_lexer import ExprError
from .expr_parser import COMPARISONS, Binary, BoolOp, Call, Dot, Lit, Ref


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
