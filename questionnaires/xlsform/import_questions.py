"""Import of one survey row as a question: its XLSForm type (and x_type, appearance) to our question type.

The fields every question has come from ``common`` in :mod:`.import_sections`; matrices are :mod:`.import_matrix`.
"""
from __future__ import annotations

import re

from .cells import _integers, _text
from .common import METADATA_TYPES, X_TYPES
from .import_base import _ImporterBase, _Node


class _QuestionReader(_ImporterBase):
    """Reads a single-row question (choice, number, date, text, range)."""

    def read_question(self, node: _Node, conditions: list) -> dict | None:
        survey, kind = self.survey, node.kind
        if kind in METADATA_TYPES:
            return None
        if kind == 'or_other':
            self.problem('survey', node.number, 'type', f'unsupported type "{node.type_text}" (or_other)')
            return None
        if kind not in X_TYPES or kind == 'begin group':
            self.problem('survey', node.number, 'type', f'unsupported type "{node.type_text}"')
            return None
        x_type = _text(survey.get(node.values, 'x_type'))
        if x_type is not None and x_type not in X_TYPES[kind]:
            self.problem('survey', node.number, 'x_type', f'x_type "{x_type}" does not fit type "{node.type_text}"')
            return None
        appearance = (_text(survey.get(node.values, 'appearance')) or '').lower().split()
        extra: dict = {}
        options = None
        if kind in ('select_one', 'select_multiple'):
            options = self.choice_list(node)
            if options is None:
                # Still registered, so that expressions naming it do not add misleading problems.
                self.common(node, conditions, 'single_choice' if kind == 'select_one' else 'multiple_choice')
                return None
            values = [option['value'] for option in options]
            numbers = _integers(values)
            if kind == 'select_multiple':
                qtype = 'multiple_choice'
            elif x_type == 'likert' or (x_type is None and 'likert' in appearance and numbers is not None):
                if numbers is None:
                    self.problem('survey', node.number, 'type',
                                 f'a likert list needs integer names ("{node.list_name}")')
                    return None
                qtype = 'likert'
                options = [dict(option, value=number) for option, number in zip(options, numbers)]
                low, high = self.integer_cell(node, 'x_min'), self.integer_cell(node, 'x_max')
                extra['min'] = min(numbers) if low is None else low
                extra['max'] = max(numbers) if high is None else high
            elif x_type == 'yes_no' or (x_type is None and sorted(map(repr, values)) == ["'no'", "'yes'"]):
                if sorted(map(repr, values)) != ["'no'", "'yes'"]:
                    self.problem('survey', node.number, 'x_type', f'list "{node.list_name}" is not a yes/no list')
                    return None
                qtype, options = 'yes_no', None
            else:
                qtype = 'single_choice'
        elif kind == 'range':
            qtype = 'likert'
            extra.update(self.range_parameters(node))
        elif kind == 'decimal':
            qtype = x_type or 'decimal'
            decimals = self.integer_cell(node, 'x_decimals')
            if decimals is not None:
                extra['decimals'] = decimals
            currency = _text(survey.get(node.values, 'x_currency'))
            if currency is not None:
                extra['currency'] = currency
        elif kind == 'text':
            qtype = 'long_text' if x_type == 'long_text' or 'multiline' in appearance else 'text'
        else:
            qtype = kind
        doc = self.common(node, conditions, qtype, [o['value'] for o in options] if options else None)
        if doc is None:
            return None
        doc.update(extra)
        if options and qtype != 'yes_no':
            doc['options'] = [dict(option) for option in options]
        self.merge_extra(survey, node.number, node.values, doc)
        return doc

    def range_parameters(self, node: _Node) -> dict:
        text = _text(self.survey.get(node.values, 'parameters')) or ''
        params = {'start': '1', 'end': '10', 'step': '1'}
        for part in re.split(r'[\s;,]+', text.strip()):
            name, _, value = part.partition('=')
            if part and name.strip().lower() in params:
                params[name.strip().lower()] = value.strip()
        if not all(re.fullmatch(r'-?\d+', params[name]) for name in params) or int(params['step']) != 1:
            self.problem('survey', node.number, 'parameters',
                         f'a range maps to likert only with integer start/end and step=1, not "{text}"')
            return {}
        return {'min': int(params['start']), 'max': int(params['end'])}
