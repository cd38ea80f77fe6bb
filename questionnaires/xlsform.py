"""XLSForm (KoboToolbox / ODK spreadsheet) import and export of definition documents.

``read_xlsform(source) -> dict`` turns an .xlsx XLSForm into a definition document (pass it to
``questionnaires.load``); ``write_xlsform(document, target)`` writes a document as an .xlsx XLSForm that
reads back to the same document. Import collects every problem and raises :class:`XLSFormError`; it
never returns a partly converted document.

Mapping (see the README table for every column):

* settings: ``form_id`` = key; ``form_title`` = Spanish title (import also reads ``form_title::<lang>``);
  the English title is written to ``x_form_title::English (en)`` because pyxform (Kobo, ODK) fails on
  translated form titles; ``description::<lang>``; ``framework`` (built-in key, or JSON of an inline framework);
  ``reporting_period`` (JSON); ``x_extra`` (JSON of any other top-level key); ``version`` is written as the
  format number and ignored on import; ``default_language`` says which language plain ``label`` columns hold.
* ``begin group`` / ``end group`` at the top level are sections (``name`` = key, label = title,
  hint = description, ``axis`` column). Questions outside any group go to a default section
  ``general`` (``general_2``...) titled "General". A group inside a section is flattened (its
  ``relevant`` is and-ed into its questions' show_if); section-level ``relevant`` is pushed down the same way.
* ``select_one L`` -> single_choice, or yes_no when list L is exactly {yes, no}, or likert with
  appearance ``likert`` on an integer-named list; ``range`` (step 1) -> likert without options;
  ``select_multiple L`` -> multiple_choice; ``integer``; ``decimal`` (currency when ``x_type`` is currency);
  ``date``; ``text`` (long_text with appearance ``multiline``).
* A matrix is a group with ``x_type`` matrix (or appearance ``table-list``): ``select_one`` rows named
  ``<key>__<row>`` (single-choice cells), or row groups ``<key>__<row>`` of ``integer`` cells
  ``<key>__<row>__<column>``; ``x_value`` keeps each row/column value with its type.
* ``relevant`` and ``constraint`` are parsed by :mod:`questionnaires.xlsform_expr` (nothing is evaluated).
* Metadata rows (start, end, today, deviceid, username, ...) are skipped; other types are refused.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import openpyxl

from . import xlsform_expr as expr
from .xlsform_expr import ExprError

__all__ = ['XLSFormError', 'XLSFormProblem', 'read_xlsform', 'write_xlsform']

LANGUAGE_NAMES = {'es': 'Spanish (es)', 'en': 'English (en)'}
_LANGUAGE_WORDS = {'spanish': 'es', 'español': 'es', 'espanol': 'es', 'castellano': 'es',
                   'english': 'en', 'inglés': 'en', 'ingles': 'en'}
METADATA_TYPES = frozenset({'start', 'end', 'today', 'deviceid', 'subscriberid', 'simserial', 'phonenumber',
                            'username', 'email', 'audit', 'imei', 'caseid', 'start-geopoint',
                            'background-audio'})
#: x_type values allowed for each XLSForm base type.
X_TYPES = {'select_one': ('single_choice', 'yes_no', 'likert'), 'select_multiple': ('multiple_choice',),
           'integer': ('integer',), 'decimal': ('decimal', 'currency'), 'date': ('date',),
           'text': ('text', 'long_text'), 'range': ('likert',), 'begin group': ('matrix',)}
DEFAULT_SECTION_TITLE = {'es': 'General', 'en': 'General'}
SURVEY_COLUMNS = ('type', 'name', 'label::Spanish (es)', 'label::English (en)', 'hint::Spanish (es)',
                  'hint::English (en)', 'required', 'relevant', 'constraint', 'appearance', 'parameters', 'axis',
                  'score', 'x_type', 'x_value', 'x_min', 'x_max', 'x_decimals', 'x_currency', 'x_pnat_link',
                  'x_show_if', 'x_extra')
CHOICES_COLUMNS = ('list_name', 'name', 'label::Spanish (es)', 'label::English (en)')
SETTINGS_COLUMNS = ('form_id', 'form_title', 'x_form_title::English (en)', 'version',
                    'default_language', 'description::Spanish (es)', 'description::English (en)', 'framework',
                    'reporting_period', 'x_extra')
_TOP_HANDLED = ('format', 'key', 'title', 'description', 'framework', 'reporting_period', 'sections')
_SECTION_HANDLED = ('key', 'title', 'description', 'axis', 'questions')


@dataclass(frozen=True)
class XLSFormProblem:
    """One problem of an XLSForm: sheet, 1-based spreadsheet row and column header (None when not tied)."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        place = self.sheet
        if self.row is not None:
            place += f'!row {self.row}'
        if self.column is not None:
            place += f'{", " if self.row is not None else "!"}column {self.column}'
        return f'{place}: {self.message}'


class XLSFormError(ValueError):
    """An XLSForm that cannot be imported; ``problems`` lists every problem found, one line each in str()."""

    def __init__(self, problems: list[XLSFormProblem]) -> None:
        self.problems = list(problems)
        super().__init__('\n'.join(str(problem) for problem in self.problems))


# ================================================================================================== import

def read_xlsform(source: str | os.PathLike | BinaryIO) -> dict:
    """Read an XLSForm workbook and return the definition document it describes.

    :raise XLSFormError: listing every problem (sheet, row, column, message); no document is returned then.
    """
    problems: list[XLSFormProblem] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')     # openpyxl warns about styles/extensions it does not read
            book = openpyxl.load_workbook(os.fspath(source) if isinstance(source, (str, os.PathLike)) else source,
                                          data_only=True)
    except OSError:
        raise
    except Exception as exc:    # zipfile.BadZipFile, InvalidFileException, KeyError... all mean "not an xlsx"
        raise XLSFormError([XLSFormProblem('workbook', None, None,
                                           f'not a readable .xlsx file ({type(exc).__name__}: {exc})')]) from None
    try:
        sheets = {name.strip().lower(): _Sheet(name.strip().lower(), book[name], problems)
                  for name in book.sheetnames}
    finally:
        book.close()
    document = _Importer(sheets, problems).run()
    if problems:
        raise XLSFormError(problems)
    return document


def _blank(value: Any) -> bool:
    return value is None or isinstance(value, str) and not value.strip()


def _label(value: Any) -> str | None:
    """A label cell as text (kept verbatim), None when blank."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return 'TRUE' if value else 'FALSE'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str | None:
    label = _label(value)
    return label.strip() if label is not None else None


def _typed(value: Any) -> Any:
    """A name/value cell: int for whole numbers, stripped text otherwise."""
    if isinstance(value, bool) or _blank(value):
        return _text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return _text(value)


def _language(text: str) -> str | None:
    match = re.search(r'\(([^()]*)\)\s*$', text)
    code = (match.group(1) if match else text).strip().lower()
    code = _LANGUAGE_WORDS.get(code, code)
    return re.split(r'[-_]', code)[0] or None


class _Sheet:
    """A sheet as header-indexed rows; the header is the first non-empty row."""

    def __init__(self, name: str, worksheet: Any, problems: list) -> None:
        self.name = name
        self.columns: dict[tuple[str, str | None], tuple[int, str]] = {}
        self.rows: list[tuple[int, tuple]] = []
        self.header_row: int | None = None
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if all(_blank(value) for value in values):
                continue
            if self.header_row is not None:
                self.rows.append((number, values))
                continue
            self.header_row = number
            for index, raw in enumerate(values):
                header = _text(raw)
                if header is None:
                    continue
                base, _, lang = header.partition('::')
                column = (base.strip().lower().replace(' ', '_'), _language(lang) if lang else None)
                if column in self.columns:
                    problems.append(XLSFormProblem(name, number, header, 'duplicate column'))
                else:
                    self.columns[column] = (index, header)

    def get(self, values: tuple, base: str, lang: str | None = None) -> Any:
        entry = self.columns.get((base, lang))
        return values[entry[0]] if entry and entry[0] < len(values) else None

    def header(self, base: str, lang: str | None = None) -> str:
        entry = self.columns.get((base, lang))
        return entry[1] if entry else (f'{base}::{LANGUAGE_NAMES.get(lang, lang)}' if lang else base)


@dataclass
class _Node:
    """A survey row (``children`` is a list for begin group/repeat rows)."""

    number: int
    values: tuple
    kind: str                       # 'begin group', 'begin repeat', 'select_one', 'integer', ...
    type_text: str
    list_name: str | None = None
    children: list | None = None


@dataclass
class _Condition:
    """A ``relevant`` of a group, parsed once in the second pass."""

    number: int
    text: str
    parsed: dict | None = None


@dataclass
class _Pending:
    """A question whose expressions are parsed once every question is known."""

    doc: dict
    node: _Node
    conditions: list
    qtype: str
    options: list | None = None


@dataclass
class _Importer:
    sheets: dict
    problems: list
    default_lang: str = 'es'
    lists: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)       # key -> row number
    info: dict = field(default_factory=dict)            # key -> (type, option values)
    pending: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    survey: Any = None                                  # the survey _Sheet, once found

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(XLSFormProblem(sheet, row, column, message))

    # -------------------------------------------------------------------------------------------- top level

    def run(self) -> dict:
        document = self.read_settings()
        self.read_choices()
        survey = self.sheets.get('survey')
        if survey is None:
            self.problem('survey', None, None, 'the workbook has no "survey" sheet')
            return document
        self.survey = survey
        if ('type', None) not in survey.columns:
            self.problem('survey', survey.header_row, None, 'the survey sheet has no "type" column')
            return document
        root = self.build_tree(survey)
        document['sections'] = self.read_sections(root)
        self.parse_expressions()
        return document

    def bilingual(self, sheet: _Sheet, number: int, values: tuple, base: str, what: str | None) -> dict | None:
        """{es, en} from ``base::<lang>`` columns (plain ``base`` = default language); error if ``what`` and no es."""
        text = {}
        for lang in ('es', 'en'):
            value = _label(sheet.get(values, base, lang))
            if value is None and lang == self.default_lang:
                value = _label(sheet.get(values, base))
            if value is not None:
                text[lang] = value
        if what and 'es' not in text:
            column = sheet.header(base, 'es') if (base, 'es') in sheet.columns else base
            self.problem(sheet.name, number, column, f'missing Spanish {what}')
        return text or None

    def json_cell(self, sheet: _Sheet, number: int, values: tuple, column: str, kind: type) -> Any:
        text = _text(sheet.get(values, column))
        if text is None:
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            self.problem(sheet.name, number, sheet.header(column), f'invalid JSON ({exc})')
            return None
        if not isinstance(value, kind):
            self.problem(sheet.name, number, sheet.header(column), f'must hold a JSON {kind.__name__}')
            return None
        return value

    def merge_extra(self, sheet: _Sheet, number: int, values: tuple, target: dict) -> None:
        extra = self.json_cell(sheet, number, values, 'x_extra', dict)
        for key, value in (extra or {}).items():
            if key in target:
                self.problem(sheet.name, number, sheet.header('x_extra'), f'x_extra repeats the field "{key}"')
            else:
                target[key] = value

    def read_settings(self) -> dict:
        document: dict = {'format': 1}
        sheet = self.sheets.get('settings')
        if sheet is None or not sheet.rows:
            self.problem('settings', None, None, 'missing settings (form_id and form_title are required)')
            return document
        number, values = sheet.rows[0]
        language = _text(sheet.get(values, 'default_language'))
        if language and _language(language) in LANGUAGE_NAMES:
            self.default_lang = _language(language)
        key = _text(sheet.get(values, 'form_id')) or _text(sheet.get(values, 'id_string'))
        if key is None:
            self.problem('settings', number, 'form_id', 'missing form_id (the questionnaire key)')
        else:
            document['key'] = key
        title = self.bilingual(sheet, number, values, 'x_form_title', None) or {}
        title.update(self.bilingual(sheet, number, values, 'form_title', 'form_title' if 'es' not in title else None)
                     or {})
        if title:
            document['title'] = title
        description = self.bilingual(sheet, number, values, 'description', None)
        if description:
            document['description'] = description
        framework = _text(sheet.get(values, 'framework'))
        if framework is not None:
            document['framework'] = (self.json_cell(sheet, number, values, 'framework', dict)
                                     if framework.startswith('{') else framework)
        period = self.json_cell(sheet, number, values, 'reporting_period', dict)
        if period is not None:
            document['reporting_period'] = period
        self.merge_extra(sheet, number, values, document)
        return document

    def read_choices(self) -> None:
        sheet = self.sheets.get('choices')
        if sheet is None:
            return
        seen: dict = {}
        for number, values in sheet.rows:
            list_name = _text(sheet.get(values, 'list_name'))
            value = _typed(sheet.get(values, 'name'))
            if list_name is None and value is None:
                continue
            if list_name is None:
                self.problem('choices', number, 'list_name', 'missing list name')
                continue
            if value is None:
                self.problem('choices', number, 'name', 'missing choice name')
                continue
            if (list_name, type(value), value) in seen:
                self.problem('choices', number, 'name', f'duplicate choice "{value}" in list "{list_name}" '
                                                        f'(already on row {seen[list_name, type(value), value]})')
                continue
            seen[list_name, type(value), value] = number
            label = self.bilingual(sheet, number, values, 'label', 'label')
            self.lists.setdefault(list_name, []).append({'value': value, 'label': label or {}})

    # ----------------------------------------------------------------------------------------------- survey

    def build_tree(self, survey: _Sheet) -> list:
        root: list = []
        stack: list[_Node] = []
        for number, values in survey.rows:
            type_text = _text(survey.get(values, 'type'))
            if type_text is None:
                if any(not _blank(survey.get(values, column)) for column in ('name', 'label')):
                    self.problem('survey', number, 'type', 'missing type')
                continue
            kind, list_name = _classify(type_text)
            if kind in ('end group', 'end repeat'):
                if not stack:
                    self.problem('survey', number, 'type', f'"{type_text}" without a matching "begin group"')
                else:
                    stack.pop()
                continue
            node = _Node(number, values, kind, type_text, list_name)
            (stack[-1].children if stack else root).append(node)
            if kind in ('begin group', 'begin repeat'):
                node.children = []
                stack.append(node)
        for node in stack:
            name = _text(survey.get(node.values, 'name')) or '?'
            self.problem('survey', node.number, 'type', f'group "{name}" is never closed ("end group" is missing)')
        return root

    def name(self, node: _Node) -> str | None:
        name = _text(self.survey.get(node.values, 'name'))
        if name is None:
            self.problem('survey', node.number, 'name', 'missing name')
        return name

    def is_matrix(self, node: _Node) -> bool:
        appearance = (_text(self.survey.get(node.values, 'appearance')) or '').lower().split()
        return node.kind == 'begin group' and (
            _text(self.survey.get(node.values, 'x_type')) == 'matrix' or 'table-list' in appearance)

    def group_condition(self, node: _Node, conditions: list) -> list:
        text = _text(self.survey.get(node.values, 'relevant'))
        if text is None:
            return conditions
        condition = _Condition(node.number, text)
        self.conditions.append(condition)
        return conditions + [condition]

    def read_sections(self, root: list) -> list:
        sections: list = []
        section_rows: dict = {}
        names = {_text(self.survey.get(node.values, 'name')) for node in root if node.kind == 'begin group'}
        default = None
        for node in root:
            if node.kind == 'begin group' and not self.is_matrix(node):
                default = None
                section = self.read_section(node, section_rows)
                sections.append(section)
                for child in node.children:
                    self.add(section, child, self.group_condition(node, []))
                continue
            if node.kind in METADATA_TYPES:
                continue
            if default is None:
                key, count = 'general', 1
                while key in names:
                    count += 1
                    key = f'general_{count}'
                names.add(key)
                default = {'key': key, 'title': dict(DEFAULT_SECTION_TITLE), 'axis': None, 'questions': []}
                sections.append(default)
            self.add(default, node, [])
        return sections

    def read_section(self, node: _Node, section_rows: dict) -> dict:
        survey = self.survey
        key = self.name(node)
        if key is not None and key in section_rows:
            self.problem('survey', node.number, 'name', f'duplicate section name "{key}" '
                                                        f'(already on row {section_rows[key]})')
        section_rows.setdefault(key, node.number)
        section: dict = {'key': key}
        title = self.bilingual(survey, node.number, node.values, 'label', 'group label (section title)')
        if title:
            section['title'] = title
        description = self.bilingual(survey, node.number, node.values, 'hint', None)
        if description:
            section['description'] = description
        section['axis'] = _text(survey.get(node.values, 'axis'))
        self.merge_extra(survey, node.number, node.values, section)
        section['questions'] = []
        x_type = _text(survey.get(node.values, 'x_type'))
        if x_type is not None:
            self.problem('survey', node.number, 'x_type', f'x_type "{x_type}" does not fit a section group')
        return section

    def add(self, section: dict, node: _Node, conditions: list) -> None:
        if node.kind == 'begin repeat':
            self.problem('survey', node.number, 'type', f'unsupported type "{node.type_text}" (repeats)')
        if node.kind == 'begin group' and self.is_matrix(node):
            question = self.read_matrix(node, conditions)
        elif node.children is not None:
            inner = self.group_condition(node, conditions)
            for child in node.children:
                self.add(section, child, inner)
            return
        else:
            question = self.read_question(node, conditions)
        if question is not None:
            section['questions'].append(question)

    def common(self, node: _Node, conditions: list, qtype: str, options: list | None = None) -> dict | None:
        """Key, text, help, required, score, pnat_link; registers the question for the second pass."""
        survey = self.survey
        key = self.name(node)
        if key is not None and key in self.questions:
            self.problem('survey', node.number, 'name', f'duplicate question name "{key}" '
                                                        f'(already on row {self.questions[key]})')
            key = None
        if key is None:
            return None
        self.questions[key] = node.number
        self.info[key] = (qtype, options if qtype != 'matrix' else None)
        doc: dict = {'key': key, 'type': qtype}
        doc['text'] = self.bilingual(survey, node.number, node.values, 'label', 'label') or {}
        help_text = self.bilingual(survey, node.number, node.values, 'hint', None)
        if help_text:
            doc['help'] = help_text
        doc['required'] = self.required(node)
        score = self.json_cell(survey, node.number, node.values, 'score', dict)
        if score is not None:
            doc['score'] = score
        link = _label(survey.get(node.values, 'x_pnat_link'))
        if link is not None:
            doc['pnat_link'] = link
        self.pending.append(_Pending(doc, node, conditions, qtype, options))
        return doc

    def required(self, node: _Node) -> bool:
        value = self.survey.get(node.values, 'required')
        flag = _flag(value)
        if flag is None:
            self.problem('survey', node.number, 'required', f'cannot map required "{value}" (use yes or no)')
            return False
        return flag

    def integer_cell(self, node: _Node, column: str) -> int | None:
        value = _typed(self.survey.get(node.values, column))
        if value is not None and (isinstance(value, str) and not re.fullmatch(r'-?\d+', value)
                                  or isinstance(value, float)):
            self.problem('survey', node.number, column, f'{value!r} is not an integer')
            return None
        return int(value) if value is not None else None

    def choice_list(self, node: _Node) -> list | None:
        options = self.lists.get(node.list_name)
        if options is None:
            self.problem('survey', node.number, 'type', f'choice list "{node.list_name}" is not on the choices sheet')
        return options

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
            elif x_type == 'likert' or x_type is None and 'likert' in appearance and numbers is not None:
                if numbers is None:
                    self.problem('survey', node.number, 'type',
                                 f'a likert list needs integer names ("{node.list_name}")')
                    return None
                qtype = 'likert'
                options = [dict(option, value=number) for option, number in zip(options, numbers)]
                low, high = self.integer_cell(node, 'x_min'), self.integer_cell(node, 'x_max')
                extra['min'] = min(numbers) if low is None else low
                extra['max'] = max(numbers) if high is None else high
            elif x_type == 'yes_no' or x_type is None and sorted(map(repr, values)) == ["'no'", "'yes'"]:
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
            bounds = expr.parse_constraint(text, 'integer', {})
        except ExprError as exc:
            self.problem('survey', node.number, 'constraint', f'cannot map expression "{text}" ({exc})')
            return {}
        if set(bounds) - {'min', 'max'}:
            self.problem('survey', node.number, 'constraint', f'cannot map expression "{text}" (only bounds)')
        return bounds

    # ------------------------------------------------------------------------------------------ second pass

    def parse_expressions(self) -> None:
        for condition in self.conditions:
            try:
                condition.parsed = expr.parse_condition(condition.text, self.info)
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
                fields = expr.parse_constraint(text, item.qtype, self.info, item.options)
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
                expected = expr.render_condition(stored, self.info)
            except ExprError:
                expected = None
            if ' '.join((expected or '').split()) == ' '.join((text or '').split()):
                return stored
        if text is None:
            return None
        try:
            return expr.parse_condition(text, self.info)
        except ExprError as exc:
            self.problem('survey', number, 'relevant', f'cannot map expression "{text}" ({exc})')
            return None


def _classify(type_text: str) -> tuple[str, str | None]:
    """(kind, list name) of a survey type cell; kind 'or_other' for the unsupported select ... or_other."""
    text = ' '.join(type_text.split())
    lower = text.lower()
    match = re.fullmatch(r'(begin|end)[ _](group|repeat)', lower)
    if match:
        return f'{match.group(1)} {match.group(2)}', None
    match = re.fullmatch(r'(select_one|select_multiple|select one|select multiple|select all that apply)'
                         r' (\S+)( or_other)?', text, re.IGNORECASE)
    if match:
        if match.group(3):
            return 'or_other', None
        kind = 'select_one' if 'one' in match.group(1).lower() else 'select_multiple'
        return kind, match.group(2)
    return {'int': 'integer', 'string': 'text'}.get(lower, lower), None


def _flag(value: Any) -> bool | None:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('yes', 'true', 'true()', '1', 'y'):
        return True
    if text in ('no', 'false', 'false()', '0', 'n'):
        return False
    return None


def _integers(values: list) -> list | None:
    numbers = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            numbers.append(value)
        elif isinstance(value, str) and re.fullmatch(r'-?\d+', value):
            numbers.append(int(value))
        else:
            return None
    return numbers


# ================================================================================================== export

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
            text = expr.render_condition(condition, self.info)
            exact = _same(expr.parse_condition(text, self.info), condition)
        except ExprError:
            text, exact = None, False
        row['relevant'] = text
        if not exact:
            row['x_show_if'] = _json(condition)

    def constraint(self, question: Mapping, qtype: str, rest: dict, options: list | None) -> str | None:
        """The constraint for the fields it can carry exactly; those fields are removed from ``rest``."""
        values = [option.get('value') for option in options or ()]
        parts = []
        for name, found in expr.render_constraint(question, qtype).items():
            try:
                exact = _same(expr.parse_constraint(' and '.join(found), qtype, self.info, values),
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
