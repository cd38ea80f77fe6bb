"""The import's second pass: ``relevant`` and ``constraint`` cells, parsed once every question is known.

It runs after all survey rows are read because an expression may name a question on a later row.
"""
from __future__ import annotations

from .cells import _text
from .expr_conditions import parse_condition, render_condition
from .expr_constraints import parse_constraint
from .expr_lexer import ExprError
from .import_base import _ImporterBase, _Pending


class _ExpressionReader(_ImporterBase):
    """Turns group and question expressions into show_if conditions and question bounds."""

    def parse_expressions(self) -> None:
        for condition in self.conditions:
            try:
                condition.parsed = parse_condition(condition.text, self.info)
            except ExprError as exc:
                self.problem('survey', condition.number, 'relevant', f'cannot map expression "{condition.text}" '
                                                                     f'({exc})')
        for item in self.pending:
            own = self.own_condition(item)
            parts = [condition.parsed for condition in item.conditions if condition.parsed is not None]
            parts += [own] if own is not None else []
            if parts:
                item.doc['show_if'] = parts[0] if len(parts) == 1 else {'all': parts}
            text = _text(self.survey.get(item.node.values, 'constraint'))
            if text is None or item.qtype == 'matrix':
                continue
            try:
                fields = parse_constraint(text, item.qtype, self.info, item.options)
            except ExprError as exc:
                self.problem('survey', item.node.number, 'constraint', f'cannot map expression "{text}" ({exc})')
                continue
            for name, value in fields.items():
                if name in item.doc:
                    self.problem('survey', item.node.number, 'constraint', f'"{name}" is given twice')
                item.doc[name] = value

    def own_condition(self, item: _Pending) -> dict | None:
        number, values = item.node.number, item.node.values
        text = _text(self.survey.get(values, 'relevant'))
        stored = self.json_cell(self.survey, number, values, 'x_show_if', dict)
        if stored is not None:
            # x_show_if is the exact condition when relevant still says what export wrote for it.
            try:
                expected = render_condition(stored, self.info)
            except ExprError:
                expected = None
            if ' '.join((expected or '').split()) == ' '.join((text or '').split()):
                return stored
        if text is None:
            return None
        try:
            return parse_condition(text, self.info)
        except ExprError as exc:
            self.problem('survey', number, 'relevant', f'cannot map expression "{text}" ({exc})')
            return None
