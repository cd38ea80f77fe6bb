"""Recursive-descent parser for the part of XPath 1.0 that XLSForm ``relevant`` and ``constraint`` columns use.

Holds the tree node classes (Ref, Dot, Lit, Call, Binary, BoolOp), the comparison operator tables and
:func:`parse`; tokens come from :mod:`.expr_lexer`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .expr_lexer import ExprError, tokenize


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
