"""Reading one question of a definition: the fields allowed for its type and their own consistency.

Checks that need other questions (show_if targets, max_ref, ratio denominators) live in load_references.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .bilingual import Text
from .conditions import parse_condition
from .load_fields import (
    check_fields,
    is_integer,
    is_number,
    iso_date,
    read_audience,
    read_bool,
    read_evidence,
    read_key,
    read_options,
    read_text,
)
from .load_score import parse_score
from .problems import Problems, join_place
from .schema import (
    DEFAULT_CURRENCY,
    DEFAULT_DECIMALS,
    MATRIX_CELL_TYPES,
    QUESTION_TYPES,
    TEXT_MAX_DEFAULTS,
    Question,
)

COMMON_FIELDS = ('key', 'type', 'text', 'help', 'required', 'show_if', 'score', 'audience',
                 'evidence')
#: Informational question keys kept verbatim (besides any ``x_*`` key).
INFO_FIELDS = ('pnat_link', 'indicator', 'legal_basis')
#: what an answer above its max_ref is (Question.max_ref_severity)
MAX_REF_SEVERITIES = ('warning', 'error')
TYPE_FIELDS = {
    'single_choice': ('options',),
    'multiple_choice': ('options', 'min', 'max', 'exclusive_options'),
    'yes_no': (),
    'integer': ('min', 'max', 'max_ref', 'max_ref_severity'),
    'decimal': ('min', 'max', 'decimals', 'max_ref', 'max_ref_severity'),
    'currency': ('min', 'max', 'decimals', 'currency', 'max_ref', 'max_ref_severity'),
    'date': ('min', 'max'),
    'text': ('min', 'max', 'pattern'),
    'long_text': ('min', 'max'),
    'likert': ('min', 'max', 'options'),
    'matrix': ('rows', 'cell_type', 'options', 'columns', 'cell_min', 'cell_max'),
}
_ALL_TYPE_FIELDS = tuple(dict.fromkeys(name for names in TYPE_FIELDS.values() for name in names))


def question_place(section_place: str, index: int, key: Any) -> str:
    """Name a question by key when it has a usable one, else by its index in the section."""
    if isinstance(key, str) and key:
        return join_place(section_place, f'question {key}')
    return join_place(section_place, f'questions[{index}]')


def parse_question(doc: Any, place: str, problems: Problems) -> Question | None:
    """Build a Question from its document, recording every problem; None when key or type is unusable."""
    if not isinstance(doc, Mapping):
        problems.add(place, 'wrong_type', 'a question must be a mapping')
        return None
    key = read_key(doc, 'key', place, problems, what='question key')
    qtype = doc.get('type')
    if qtype is None:
        problems.add(join_place(place, 'type'), 'missing', 'question type is required')
    elif qtype not in QUESTION_TYPES:
        problems.add(join_place(place, 'type'), 'unknown_type',
                     f'unknown question type {qtype!r} (known: {", ".join(QUESTION_TYPES)})')
    known = qtype in QUESTION_TYPES
    type_fields = TYPE_FIELDS[qtype] if known else _ALL_TYPE_FIELDS
    extra = check_fields(doc, COMMON_FIELDS + _ALL_TYPE_FIELDS, place, problems, info=INFO_FIELDS)
    for name in _ALL_TYPE_FIELDS:
        if name in doc and name not in type_fields:
            problems.add(join_place(place, name), 'not_applicable', f'"{name}" does not apply to {qtype} questions')
    text = read_text(doc, 'text', place, problems)
    help_text = read_text(doc, 'help', place, problems, required=False)
    required = read_bool(doc, 'required', place, problems)
    audience = read_audience(doc, place, problems)
    evidence = read_evidence(doc, place, problems)
    if key is None or not known:
        return None
    if text is None:
        # Already reported; a stand-in keeps the question in reference checks so others are not misreported.
        text = Text('?')
    fields = _TYPE_READERS[qtype](doc, place, problems)
    show_if = None
    if 'show_if' in doc:
        show_if = parse_condition(doc['show_if'], join_place(place, 'show_if'), problems)
    question = Question(key=key, type=qtype, text=text, help=help_text, required=required, show_if=show_if,
                        audience=audience, evidence=evidence, extra=extra, **fields)
    if 'score' in doc:
        # The score is read against the finished question: its method and parameters depend on type and options.
        question = replace(question, score=parse_score(doc['score'], question, join_place(place, 'score'), problems))
    return question


def _read_bounds(doc: Mapping, place: str, problems: Problems, check: Any, what: str) -> dict:
    bounds = {}
    for name in ('min', 'max'):
        if name not in doc:
            continue
        value = check(doc[name])
        if value is None:
            problems.add(join_place(place, name), 'bad_value', f'"{name}" must be {what}')
        else:
            bounds[name] = value
    if 'min' in bounds and 'max' in bounds and bounds['min'] > bounds['max']:
        problems.add(join_place(place, 'min'), 'min_gt_max', f'min {bounds["min"]} is greater than max {bounds["max"]}')
    return bounds


def _integer(value: Any) -> Any:
    return value if is_integer(value) else None


def _count(value: Any) -> Any:
    return value if is_integer(value) and value >= 0 else None


def _number(value: Any) -> Any:
    return value if is_number(value) else None


def _choice(doc: Mapping, place: str, problems: Problems) -> dict:
    options = read_options(doc, 'options', place, problems)
    if doc.get('options') in (None, []):
        problems.add(join_place(place, 'options'), 'no_options', 'a choice question needs at least one option')
    return {'options': options}


def _multiple(doc: Mapping, place: str, problems: Problems) -> dict:
    fields = _choice(doc, place, problems)
    fields.update(_read_bounds(doc, place, problems, _count, 'a number of selections (integer ≥ 0)'))
    values = [option.value for option in fields['options']]
    if fields['options'] and fields.get('min', 0) > len(values):
        problems.add(join_place(place, 'min'), 'bad_value', f'min {fields["min"]} exceeds the {len(values)} options')
    exclusive = doc.get('exclusive_options', [])
    if not isinstance(exclusive, list):
        problems.add(join_place(place, 'exclusive_options'), 'wrong_type', 'exclusive_options must be a list')
        exclusive = []
    for value in exclusive:
        if fields['options'] and value not in values:
            problems.add(join_place(place, 'exclusive_options'), 'unknown_option',
                         f'exclusive option {value!r} is not an option value')
    fields['exclusive_options'] = tuple(exclusive)
    return fields


def _numeric(doc: Mapping, place: str, problems: Problems, qtype: str) -> dict:
    check = _integer if qtype == 'integer' else _number
    fields = _read_bounds(doc, place, problems, check, 'an integer' if qtype == 'integer' else 'a number')
    if 'max_ref' in doc:
        if not isinstance(doc['max_ref'], str):
            problems.add(join_place(place, 'max_ref'), 'bad_max_ref', 'max_ref must be a question key')
        else:
            fields['max_ref'] = doc['max_ref']
    if 'max_ref_severity' in doc:
        severity = doc['max_ref_severity']
        if 'max_ref' not in doc:
            problems.add(join_place(place, 'max_ref_severity'), 'bad_max_ref',
                         'max_ref_severity needs a max_ref')
        elif severity not in MAX_REF_SEVERITIES:
            problems.add(join_place(place, 'max_ref_severity'), 'bad_value',
                         f'max_ref_severity must be one of {", ".join(MAX_REF_SEVERITIES)}')
        else:
            fields['max_ref_severity'] = severity
    if qtype != 'integer':
        decimals = doc.get('decimals', DEFAULT_DECIMALS)
        if not is_integer(decimals) or not 0 <= decimals <= 6:
            problems.add(join_place(place, 'decimals'), 'bad_value', 'decimals must be an integer from 0 to 6')
            decimals = DEFAULT_DECIMALS
        fields['decimals'] = decimals
    if qtype == 'currency':
        currency = doc.get('currency', DEFAULT_CURRENCY)
        if not isinstance(currency, str) or not re.fullmatch(r'[A-Z]{3}', currency):
            problems.add(join_place(place, 'currency'), 'bad_value', 'currency must be an ISO 4217 code such as PEN')
            currency = DEFAULT_CURRENCY
        fields['currency'] = currency
    return fields


def _date(doc: Mapping, place: str, problems: Problems) -> dict:
    return _read_bounds(doc, place, problems, iso_date, 'an ISO date (YYYY-MM-DD)')


def _text(doc: Mapping, place: str, problems: Problems, qtype: str) -> dict:
    fields = {'max': TEXT_MAX_DEFAULTS[qtype]}
    fields.update(_read_bounds(doc, place, problems, _count, 'a number of characters (integer ≥ 0)'))
    if 'min' in doc and 'max' not in doc and fields.get('min', 0) > fields['max']:
        problems.add(join_place(place, 'min'), 'min_gt_max', f'min {fields["min"]} is greater than max {fields["max"]}')
    if 'pattern' in doc:
        pattern = doc['pattern']
        try:
            if not isinstance(pattern, str):
                raise re.error('not a string')
            re.compile(pattern)
            fields['pattern'] = pattern
        except re.error as exc:
            problems.add(join_place(place, 'pattern'), 'bad_pattern',
                         f'pattern is not a valid regular expression: {exc}')
    return fields


def _likert(doc: Mapping, place: str, problems: Problems) -> dict:
    for name in ('min', 'max'):
        if name not in doc:
            problems.add(join_place(place, name), 'missing', f'a likert question needs "{name}"')
    fields = _read_bounds(doc, place, problems, _integer, 'an integer')
    low, high = fields.get('min'), fields.get('max')
    if low is not None and high is not None and low == high:
        problems.add(join_place(place, 'min'), 'min_gt_max', 'a likert scale needs min < max')
    options = read_options(doc, 'options', place, problems, integers=True)
    for index, option in enumerate(options):
        if low is not None and high is not None and not low <= option.value <= high:
            problems.add(join_place(place, f'options[{index}]'), 'bad_value',
                         f'likert option {option.value} is outside {low}..{high}')
    fields['options'] = options
    return fields


def _matrix(doc: Mapping, place: str, problems: Problems) -> dict:
    rows = read_options(doc, 'rows', place, problems)
    if doc.get('rows') in (None, []):
        problems.add(join_place(place, 'rows'), 'missing', 'a matrix needs at least one row')
    cell_type = doc.get('cell_type')
    if cell_type not in MATRIX_CELL_TYPES:
        problems.add(join_place(place, 'cell_type'), 'missing' if cell_type is None else 'bad_value',
                     f'a matrix needs cell_type {" or ".join(MATRIX_CELL_TYPES)}')
        return {'rows': rows}
    fields: dict[str, Any] = {'rows': rows, 'cell_type': cell_type}
    wrong = ('columns', 'cell_min', 'cell_max') if cell_type == 'single_choice' else ('options',)
    for name in wrong:
        if name in doc:
            problems.add(join_place(place, name), 'not_applicable', f'"{name}" does not apply to {cell_type} cells')
    if cell_type == 'single_choice':
        fields.update(_choice(doc, place, problems))
        return fields
    fields['columns'] = read_options(doc, 'columns', place, problems)
    if doc.get('columns') in (None, []):
        problems.add(join_place(place, 'columns'), 'missing', 'an integer matrix needs at least one column')
    for name in ('cell_min', 'cell_max'):
        if name in doc:
            if is_integer(doc[name]):
                fields[name] = doc[name]
            else:
                problems.add(join_place(place, name), 'bad_value', f'"{name}" must be an integer')
    if fields.get('cell_min') is not None and fields.get('cell_max') is not None \
            and fields['cell_min'] > fields['cell_max']:
        problems.add(join_place(place, 'cell_min'), 'min_gt_max',
                     f'cell_min {fields["cell_min"]} is greater than cell_max {fields["cell_max"]}')
    return fields


_TYPE_READERS = {
    'single_choice': _choice,
    'multiple_choice': _multiple,
    'yes_no': lambda doc, place, problems: {},
    'integer': lambda doc, place, problems: _numeric(doc, place, problems, 'integer'),
    'decimal': lambda doc, place, problems: _numeric(doc, place, problems, 'decimal'),
    'currency': lambda doc, place, problems: _numeric(doc, place, problems, 'currency'),
    'date': _date,
    'text': lambda doc, place, problems: _text(doc, place, problems, 'text'),
    'long_text': lambda doc, place, problems: _text(doc, place, problems, 'long_text'),
    'likert': _likert,
    'matrix': _matrix,
}
