"""XLSForm export: :func:`write_xlsform` and the exporter that lays a definition document out in three sheets.

What XLSForm cannot say goes to ``x_*`` columns, so that the reader gives the same document back.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO

import openpyxl

from .common import CHOICES_COLUMNS, LANGUAGE_NAMES, SETTINGS_COLUMNS, SURVEY_COLUMNS
from .expr_conditions import parse_condition, render_condition
from .expr_constraints import parse_constraint, render_constraint
from .expr_lexer import ExprError

#: Document and section keys that have their own columns; any other key goes to x_extra.
_TOP_HANDLED = ('format', 'key', 'title', 'description', 'framework', 'reporting_period', 'sections')
_SECTION_HANDLED = ('key', 'title', 'description', 'axis', 'audience', 'questions')


def write_xlsform(document: Mapping, target: str | os.PathLike | BinaryIO) -> None:
    """Write ``document`` (a valid definition document) as an XLSForm .xlsx to a path or binary file.

    Everything XLSForm cannot say goes into extra columns, so ``read_xlsform`` gives the document back.
    :raise ValueError: for a question type that has no XLSForm form.
    """
    exporter = _Exporter(document)
    survey, choices, settings = exporter.run()
    book = openpyxl.Workbook()
    _write_sheet(book.active, 'survey', SURVEY_COLUMNS, survey)
    _write_sheet(book.create_sheet(), 'choices', CHOICES_COLUMNS, choices)
    _write_sheet(book.create_sheet(), 'settings', SETTINGS_COLUMNS, [settings])
    book.save(os.fspath(target) if isinstance(target, (str, os.PathLike)) else target)


def _write_sheet(sheet: Any, title: str, order: tuple, rows: list) -> None:
    sheet.title = title
    used = {column for row in rows for column in row}
    columns = [column for column in order if column in used or column in order[:2]]
    columns += sorted(used - set(columns))
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == 'f':      # a text starting with "=" is text, not a formula
                cell.data_type = 's'


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(',', ':'))


def _same(left: Any, right: Any) -> bool:
    """Equality that tells 1, 1.0 and True apart."""
    return json.dumps(left, sort_keys=True, default=repr) == json.dumps(right, sort_keys=True, default=repr)


def _cells(base: str, text: Any) -> dict:
    if text is None:
        return {}
    if not isinstance(text, Mapping) or set(text) - set(LANGUAGE_NAMES):
        raise ValueError(f'cannot export {base} {text!r}: expected {{es, en}}')
    return {f'{base}::{LANGUAGE_NAMES[lang]}': text[lang] for lang in LANGUAGE_NAMES if text.get(lang) is not None}


class _Exporter:
    def __init__(self, document: Mapping) -> None:
        self.document = document
        questions = [question for section in document.get('sections') or () for question in
                     section.get('questions') or ()]
        self.info = {question['key']: _question_info(question) for question in questions
                     if isinstance(question.get('key'), str)}
        self.lists: set = set()
        self.survey: list = []
        self.choices: list = []
        self.yes_no_list: str | None = None

    def run(self) -> tuple[list, list, dict]:
        document = self.document
        settings = {'form_id': document.get('key'), 'version': str(document.get('format', 1)),
                    'default_language': LANGUAGE_NAMES['es']}
        # pyxform (Kobo, ODK) fails on translated form_title columns: the English title goes to an extra column.
        title = _cells('x_form_title', document.get('title'))
        settings['form_title'] = title.pop('x_form_title::Spanish (es)', None)
        settings.update(title)
        settings.update(_cells('description', document.get('description')))
        framework = document.get('framework')
        if framework is not None:
            settings['framework'] = framework if isinstance(framework, str) else _json(framework)
        if 'reporting_period' in document:
            settings['reporting_period'] = _json(document['reporting_period'])
        extra = {key: value for key, value in document.items() if key not in _TOP_HANDLED}
        if extra:
            settings['x_extra'] = _json(extra)
        for section in document.get('sections') or ():
            row = {'type': 'begin group', 'name': section.get('key'), **_cells('label', section.get('title')),
                   **_cells('hint', section.get('description')), 'axis': section.get('axis')}
            if isinstance(section.get('audience'), str):
                row['x_audience'] = section['audience']
            extra = {key: value for key, value in section.items() if key not in _SECTION_HANDLED}
            if extra:
                row['x_extra'] = _json(extra)
            self.survey.append(row)
            for question in section.get('questions') or ():
                self.question(question)
            self.survey.append({'type': 'end group', 'name': section.get('key')})
        return self.survey, self.choices, settings

    def add_list(self, name: str, options: list) -> str:
        base, count = name, 1
        while name in self.lists:
            count += 1
            name = f'{base}_{count}'
        self.lists.add(name)
        for option in options:
            self.choices.append({'list_name': name, 'name': option['value'], **_cells('label', option.get('label'))})
        return name

    def question(self, question: Mapping) -> None:
        key, qtype = question.get('key'), question.get('type')
        rest = dict(question)
        row: dict = {'name': key, **_cells('label', rest.pop('text', None)), **_cells('hint', rest.pop('help', None))}
        rest.pop('key', None)
        rest.pop('type', None)
        if isinstance(rest.get('required'), bool):
            row['required'] = 'yes' if rest.pop('required') else None
        if 'show_if' in rest:
            self.condition(row, rest.pop('show_if'))
        if 'score' in rest:
            row['score'] = _json(rest.pop('score'))
        if isinstance(rest.get('pnat_link'), str):
            row['x_pnat_link'] = rest.pop('pnat_link')
        if isinstance(rest.get('audience'), str):
            row['x_audience'] = rest.pop('audience')
        if isinstance(rest.get('evidence'), str):
            row['x_evidence'] = rest.pop('evidence')
        options = question.get('options') if isinstance(question.get('options'), list) else None
        if qtype == 'matrix':
            self.matrix(row, rest)
            return
        if qtype in ('single_choice', 'multiple_choice') and options:
            select = 'select_one' if qtype == 'single_choice' else 'select_multiple'
            row['type'] = f'{select} {self.add_list(key, options)}'
            del rest['options']
            if qtype == 'single_choice' and sorted(repr(option['value']) for option in options) == ["'no'", "'yes'"]:
                row['x_type'] = 'single_choice'
        elif qtype == 'yes_no':
            if self.yes_no_list is None:
                self.yes_no_list = self.add_list('yes_no', [
                    {'value': 'yes', 'label': {'es': 'Sí', 'en': 'Yes'}},
                    {'value': 'no', 'label': {'es': 'No', 'en': 'No'}}])
            row['type'] = f'select_one {self.yes_no_list}'
        elif qtype in ('integer', 'decimal', 'currency', 'date', 'text', 'long_text'):
            row['type'] = {'currency': 'decimal', 'long_text': 'text'}.get(qtype, qtype)
            if qtype == 'currency':
                row['x_type'] = 'currency'
            if qtype == 'long_text':
                row['appearance'] = 'multiline'
            for name in ('decimals', 'currency'):
                if name in rest and qtype in ('decimal', 'currency'):
                    row[f'x_{name}'] = rest.pop(name)
        elif qtype == 'likert' and options:
            row.update(type=f'select_one {self.add_list(key, options)}', appearance='likert')
            del rest['options']
            for name in ('min', 'max'):
                if name in rest:
                    row[f'x_{name}'] = rest.pop(name)
        elif qtype == 'likert' and all(isinstance(rest.get(name), int) for name in ('min', 'max')):
            row.update(type='range', parameters=f'start={rest.pop("min")} end={rest.pop("max")} step=1')
        else:
            raise ValueError(f'question {key!r}: type {qtype!r} cannot be written as XLSForm')
        row['constraint'] = self.constraint(question, qtype, rest, options)
        if rest:
            row['x_extra'] = _json(rest)
        self.survey.append(row)

    def condition(self, row: dict, condition: Any) -> None:
        try:
            text = render_condition(condition, self.info)
            exact = _same(parse_condition(text, self.info), condition)
        except ExprError:
            text, exact = None, False
        row['relevant'] = text
        if not exact:
            row['x_show_if'] = _json(condition)

    def constraint(self, question: Mapping, qtype: str, rest: dict, options: list | None) -> str | None:
        """The constraint for the fields it can carry exactly; those fields are removed from ``rest``."""
        values = [option.get('value') for option in options or ()]
        parts = []
        for name, found in render_constraint(question, qtype).items():
            try:
                exact = _same(parse_constraint(' and '.join(found), qtype, self.info, values),
                              {name: question[name]})
            except ExprError:
                exact = False
            if exact and name in rest:
                parts += found
                del rest[name]
        return ' and '.join(parts) or None

    def matrix(self, row: dict, rest: dict) -> None:
        key, cell_type = row['name'], rest.get('cell_type')
        required = row.pop('required', None)
        rows, columns, options = rest.pop('rows', None), rest.get('columns'), rest.get('options')
        if not isinstance(rows, list) or not rows or cell_type not in ('single_choice', 'integer') or \
                not isinstance(columns if cell_type == 'integer' else options, list):
            raise ValueError(f'question {key!r}: this matrix cannot be written as XLSForm')
        del rest['cell_type']
        row.update(type='begin group', x_type='matrix',
                   appearance='table-list' if cell_type == 'single_choice' else 'field-list')
        self.survey.append(row)
        if cell_type == 'single_choice':
            list_name = self.add_list(key, rest.pop('options'))
            for item in rows:
                self.survey.append({'type': f'select_one {list_name}', 'name': f'{key}__{item["value"]}',
                                    **_cells('label', item.get('label')), 'x_value': item['value'],
                                    'required': required})
        else:
            del rest['columns']
            bounds = {name: rest[f'cell_{name}'] for name in ('min', 'max') if f'cell_{name}' in rest}
            unwritten = dict(bounds)
            constraint = self.constraint(bounds, 'integer', unwritten, None)
            for name in set(bounds) - set(unwritten):
                del rest[f'cell_{name}']
            for item in rows:
                name = f'{key}__{item["value"]}'
                self.survey.append({'type': 'begin group', 'name': name, **_cells('label', item.get('label')),
                                    'x_value': item['value']})
                for column in columns:
                    self.survey.append({'type': 'integer', 'name': f'{name}__{column["value"]}',
                                        **_cells('label', column.get('label')), 'x_value': column['value'],
                                        'required': required, 'constraint': constraint})
                self.survey.append({'type': 'end group', 'name': name})
        if rest:
            row['x_extra'] = _json(rest)
        self.survey.append({'type': 'end group', 'name': key})


def _question_info(question: Mapping) -> tuple[str, list | None]:
    qtype = question.get('type')
    options = question.get('options')
    if qtype in ('single_choice', 'multiple_choice', 'likert') and isinstance(options, list) and options:
        return qtype, [option.get('value') for option in options]
    return qtype, None
