"""Import of a matrix: a group of select_one rows, or of row groups of integer cells, as one question.

The cells must agree on ``required`` (and integer cells on their bounds); ``relevant``, ``x_show_if`` and
``score`` are refused inside a matrix.
"""
from __future__ import annotations

from typing import Any

from .cells import _blank, _text, _typed
from .expr_constraints import parse_constraint
from .expr_lexer import ExprError
from .import_base import _ImporterBase, _Node


class _MatrixReader(_ImporterBase):
    """Reads matrix groups: rows, columns, and the cell settings every cell must share."""

    def child_value(self, node: _Node, prefix: str | None) -> Any:
        value = _typed(self.survey.get(node.values, 'x_value'))
        if value is None:
            value = _text(self.survey.get(node.values, 'name'))
            if value is not None and prefix and value.startswith(prefix + '__'):
                value = value[len(prefix) + 2:]
        return value

    def agreed(self, nodes: list, read: Any, column: str, what: str) -> Any:
        """The value ``read(node)`` shared by all ``nodes``; a problem on the first one that differs."""
        first = read(nodes[0])
        for node in nodes[1:]:
            if read(node) != first:
                self.problem('survey', node.number, column, f'every cell of a matrix must have the same {what}')
                break
        return first

    def read_matrix(self, group: _Node, conditions: list) -> dict | None:
        survey = self.survey
        children = [child for child in group.children if not (
            child.children is None and 'label' in (_text(survey.get(child.values, 'appearance')) or '').split())]
        if children and all(child.kind == 'select_one' for child in children):
            if len({child.list_name for child in children}) != 1:
                self.problem('survey', children[0].number, 'type', 'every row of a matrix must use the same list')
                return None
            options = self.choice_list(children[0])
            if options is None:
                return None
            doc = self.common(group, conditions, 'matrix', [option['value'] for option in options])
            if doc is None:
                return None
            doc['cell_type'] = 'single_choice'
            doc['options'] = [dict(option) for option in options]
            rows, cells = children, children
        elif children and all(child.kind == 'begin group' and child.children
                              and all(cell.kind == 'integer' for cell in child.children) for child in children):
            doc = self.common(group, conditions, 'matrix')
            if doc is None:
                return None
            doc['cell_type'] = 'integer'
            rows, cells = children, [cell for child in children for cell in child.children]
            columns = None
            for row in rows:
                found = self.matrix_items(row.children, _text(survey.get(row.values, 'name')))
                if columns is None:
                    columns = found
                elif [item['value'] for item in found] != [item['value'] for item in columns]:
                    self.problem('survey', row.number, 'name', 'every row of a matrix must have the same columns')
            doc['columns'] = columns
            bounds = self.agreed(cells, self.cell_bounds, 'constraint', 'constraint')
            for name in ('min', 'max'):
                if name in bounds:
                    doc[f'cell_{name}'] = bounds[name]
        else:
            self.problem('survey', group.number, 'type', 'a matrix group must hold select_one rows (all with the '
                                                         'same list) or groups of integer cells')
            return None
        doc['required'] = self.agreed(cells, self.required, 'required', 'required value')
        doc['rows'] = self.matrix_items(rows, doc['key'])
        unsupported = ('relevant', 'x_show_if', 'score') + (('constraint',) if doc['cell_type'] != 'integer' else ())
        for cell in cells + [row for row in rows if row not in cells]:
            for column in unsupported:
                if not _blank(survey.get(cell.values, column)):
                    self.problem('survey', cell.number, column, f'"{column}" is not supported inside a matrix')
        self.merge_extra(survey, group.number, group.values, doc)
        return doc

    def matrix_items(self, nodes: list, prefix: str | None) -> list:
        items, seen = [], {}
        for node in nodes:
            value = self.child_value(node, prefix)
            if value is None:
                self.problem('survey', node.number, 'name', 'missing name')
                continue
            if (type(value), value) in seen:
                self.problem('survey', node.number, 'name', f'duplicate matrix row/column "{value}" '
                                                            f'(already on row {seen[type(value), value]})')
                continue
            seen[type(value), value] = node.number
            items.append({'value': value, 'label': self.bilingual(self.survey, node.number, node.values, 'label',
                                                                  'label') or {}})
        return items

    def cell_bounds(self, node: _Node) -> dict:
        text = _text(self.survey.get(node.values, 'constraint'))
        if text is None:
            return {}
        try:
            bounds = parse_constraint(text, 'integer', {})
        except ExprError as exc:
            self.problem('survey', node.number, 'constraint', f'cannot map expression "{text}" ({exc})')
            return {}
        if set(bounds) - {'min', 'max'}:
            self.problem('survey', node.number, 'constraint', f'cannot map expression "{text}" (only bounds)')
        return bounds
