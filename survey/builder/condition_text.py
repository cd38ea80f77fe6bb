"""A compact way to type show-if conditions, e.g. ``edad >= 18 y (region = lima o no tiene_oficina = sí)``.

Grammar (Spanish or English words)::

    expr   := term (("o" | "or") term)*
    term   := factor (("y" | "and") factor)*
    factor := ("no" | "not") factor | "(" expr ")" | leaf
    leaf   := KEY op value | KEY ("en" | "in") "(" value ("," value)* ")" | KEY ("incluye" | "includes") value
    op     := = | != | ≠ | > | >= | ≥ | < | <= | ≤

Values are typed after the question they refer to (``sí`` is true for a yes/no question, ``12`` a
number for a numeric one, an option value keeps the option's own type), so people never write JSON.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

OPERATORS = {"=": "equals", "!=": "not_equals", "≠": "not_equals", ">": "gt", ">=": "gte", "≥": "gte",
             "<": "lt", "<=": "lte", "≤": "lte"}
SYMBOLS = {"equals": "=", "not_equals": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_AND, _OR, _NOT = {"y", "and"}, {"o", "or"}, {"no", "not"}
_IN, _SELECTED = {"en", "in"}, {"incluye", "includes"}
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>!=|>=|<=|[=<>≠≥≤(),])|(?P<word>[^\s"(),=<>!≠≥≤]+))')
_TRUE = {"sí", "si", "true", "yes", "verdadero"}
_FALSE = {"no", "false", "falso"}
NUMERIC = ("integer", "decimal", "currency", "likert")


class ConditionSyntaxError(ValueError):
    """The text is not a condition; the message says where."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionSyntaxError(_("carácter inesperado en la posición %(n)d: %(char)s", n=position + 1,
                                           char=text[position]))
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, targets: dict[str, dict]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.targets = targets

    def peek(self, ahead: int = 0) -> tuple[str, str] | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionSyntaxError(_("la condición termina antes de tiempo"))
        self.position += 1
        return token

    def is_word(self, words: set[str], ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token[0] == "word" and token[1].lower() in words

    def expect(self, symbol: str) -> None:
        token = self.take()
        if token != ("op", symbol):
            raise ConditionSyntaxError(_("se esperaba «%(want)s» y se encontró «%(got)s»", want=symbol, got=token[1]))

    def parse(self) -> dict:
        result = self.expr()
        if self.peek() is not None:
            raise ConditionSyntaxError(_("sobra texto desde «%(text)s»", text=self.peek()[1]))
        return result

    def expr(self) -> dict:
        parts = [self.term()]
        while self.is_word(_OR):
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def term(self) -> dict:
        parts = [self.factor()]
        while self.is_word(_AND):
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def factor(self) -> dict:
        # "no" is negation unless it is a question key followed by an operator.
        if self.is_word(_NOT) and not self._leaf_follows():
            self.take()
            return {"not": self.factor()}
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        return self.leaf()

    def _leaf_follows(self) -> bool:
        nxt = self.peek(1)
        return nxt is not None and ((nxt[0] == "op" and nxt[1] in OPERATORS) or self.is_word(_IN | _SELECTED, 1))

    def leaf(self) -> dict:
        kind, key = self.take()
        if kind != "word":
            raise ConditionSyntaxError(_("se esperaba la clave de una pregunta y se encontró «%(got)s»", got=key))
        target = self.targets.get(key)
        if self.is_word(_IN):
            self.take()
            self.expect("(")
            values = [coerce(self.value(), target)]
            while self.peek() == ("op", ","):
                self.take()
                values.append(coerce(self.value(), target))
            self.expect(")")
            return {"question": key, "in": values}
        if self.is_word(_SELECTED):
            self.take()
            return {"question": key, "selected": coerce(self.value(), target)}
        kind, symbol = self.take()
        if kind != "op" or symbol not in OPERATORS:
            raise ConditionSyntaxError(_("después de «%(key)s» se esperaba una comparación (=, !=, >, >=, <, <=, "
                                         "en, incluye) y se encontró «%(got)s»", key=key, got=symbol))
        return {"question": key, OPERATORS[symbol]: coerce(self.value(), target)}

    def value(self) -> str:
        kind, value = self.take()
        if kind == "op":
            raise ConditionSyntaxError(_("se esperaba un valor y se encontró «%(got)s»", got=value))
        return value


def parse_condition_text(text: str, targets: dict[str, dict]) -> dict:
    """Turn compact *text* into a show_if document; *targets* maps keys to earlier question documents.

    :raise ConditionSyntaxError: with a Spanish message saying what is wrong and where.
    """
    return _Parser(text, targets).parse()


def _number(text: str) -> int | float | None:
    cleaned = text.strip().replace(",", ".")
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    if re.fullmatch(r"[+-]?(?:\d+\.\d*|\.\d+)", cleaned):
        return float(cleaned)
    return None


def coerce(text: str, target: dict | None) -> Any:
    """Type *text* as an answer of *target* (a question document); unknown targets keep the text."""
    if target is None:
        return text
    kind = target.get("type")
    if kind == "yes_no":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return text
    for option in target.get("options") or []:
        if str(option.get("value")) == text:
            return option.get("value")
    if kind in NUMERIC:
        number = _number(text)
        return text if number is None else number
    return text


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "sí" if value else "no"
    text = str(value)
    if not text or not re.fullmatch(r'[^\s"(),=<>!≠≥≤]+', text) or text.lower() in _AND | _OR | _NOT | _IN | _SELECTED:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def format_condition(doc: dict, nested: bool = False) -> str:
    """Write a show_if document in the compact form :func:`parse_condition_text` reads back."""
    if "all" in doc or "any" in doc:
        op = "all" if "all" in doc else "any"
        text = (" y " if op == "all" else " o ").join(format_condition(part, True) for part in doc[op])
        return f"({text})" if nested else text
    if "not" in doc:
        return f"no {format_condition(doc['not'], True)}"
    key = doc.get("question", "")
    if "in" in doc:
        return f"{key} en ({', '.join(_show(value) for value in doc['in'])})"
    if "selected" in doc:
        return f"{key} incluye {_show(doc['selected'])}"
    for op, symbol in SYMBOLS.items():
        if op in doc:
            return f"{key} {symbol} {_show(doc[op])}"
    return ""
