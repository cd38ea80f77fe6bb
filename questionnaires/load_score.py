"""Reading a question's ``score`` block: method fits the type, parameters are complete and in range.

The ratio denominator's existence and position are checked in load_references.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .frozen import FrozenMap
from .load_fields import check_fields, is_integer, is_number
from .problems import Problems, join_place
from .schema import NUMERIC_TYPES, Question, Score, Threshold

#: Which question types each scoring method accepts.
METHOD_TYPES = {
    'boolean': ('yes_no',),
    'option_points': ('single_choice', 'likert'),
    'count_selected': ('multiple_choice',),
    'threshold': NUMERIC_TYPES,
    'ratio': NUMERIC_TYPES,
    'linear': ('likert',),
    'matrix_mean': ('matrix',),
}
METHOD_FIELDS = {
    'boolean': (),
    'option_points': ('points', 'exclude_values'),
    'count_selected': ('cap', 'exclude_options'),
    'threshold': ('thresholds',),
    'ratio': ('denominator', 'thresholds', 'on_zero_denominator'),
    'linear': (),
    'matrix_mean': ('column_points', 'exclude_values'),
}
COMMON_FIELDS = ('weight', 'method', 'if_hidden')
UNSCORABLE_TYPES = ('text', 'long_text', 'date')
HIDDEN_RULES = ('exclude', 'zero')


def parse_score(doc: Any, question: Question, place: str, problems: Problems) -> Score | None:
    """Build the Score of ``question`` from its document, recording every problem."""
    if not isinstance(doc, Mapping):
        problems.add(place, 'wrong_type', 'score must be a mapping {weight, method, ...}')
        return None
    if question.type in UNSCORABLE_TYPES or (question.type == 'matrix' and question.cell_type == 'integer'):
        kind = 'integer-cell matrix' if question.type == 'matrix' else question.type
        problems.add(place, 'unscorable_type', f'{kind} questions cannot be scored')
        return None
    method = doc.get('method')
    if method not in METHOD_TYPES:
        problems.add(join_place(place, 'method'), 'bad_method',
                     f'unknown scoring method {method!r} (known: {", ".join(METHOD_TYPES)})')
        return None
    if question.type not in METHOD_TYPES[method]:
        problems.add(join_place(place, 'method'), 'bad_method',
                     f'method {method} does not apply to {question.type} questions '
                     f'(it needs {", ".join(METHOD_TYPES[method])})')
        return None
    check_fields(doc, COMMON_FIELDS + METHOD_FIELDS[method], place, problems)
    weight = doc.get('weight')
    if not is_number(weight) or weight <= 0:
        problems.add(join_place(place, 'weight'), 'bad_score', f'weight must be a number > 0, got {weight!r}')
    if_hidden = doc.get('if_hidden', 'exclude')
    if if_hidden not in HIDDEN_RULES:
        problems.add(join_place(place, 'if_hidden'), 'bad_score', 'if_hidden must be "exclude" or "zero"')
    params = _PARAMETER_READERS[method](doc, question, place, problems)
    if params is None or not is_number(weight) or weight <= 0 or if_hidden not in HIDDEN_RULES:
        return None
    return Score(weight=weight, method=method, if_hidden=if_hidden, **params)


def _check_points(value: Any, place: str, problems: Problems) -> bool:
    if is_number(value) and 0 <= value <= 1:
        return True
    problems.add(place, 'bad_score', f'points must be a number from 0 to 1, got {value!r}')
    return False


def _scored_values(question: Question) -> tuple:
    if question.options:
        return question.option_values
    if question.type == 'likert' and is_integer(question.min) and is_integer(question.max):
        return tuple(range(question.min, question.max + 1))
    return ()


def _read_values(doc: Mapping, name: str, values: tuple, place: str, problems: Problems) -> tuple | None:
    items = doc.get(name, [])
    if not isinstance(items, list):
        problems.add(join_place(place, name), 'wrong_type', f'"{name}" must be a list of option values')
        return None
    unknown = [item for item in items if item not in values or isinstance(item, bool)]
    for item in unknown:
        problems.add(join_place(place, name), 'unknown_option', f'{item!r} is not an option value')
    return None if unknown else tuple(items)


def _read_point_map(doc: Mapping, name: str, question: Question, excluded: tuple, place: str,
                    problems: Problems) -> FrozenMap | None:
    """Read ``{option value: points}``; every option not excluded must get points."""
    where = join_place(place, name)
    mapping = doc.get(name)
    if not isinstance(mapping, Mapping) or not mapping:
        problems.add(where, 'missing' if mapping is None else 'wrong_type',
                     f'"{name}" must map option values to points')
        return None
    values = _scored_values(question)
    # JSON keys are strings, so integer option values (likert) are matched through str().
    by_text = {str(value): value for value in values}
    result, ok = {}, True
    for raw_key, points in mapping.items():
        value = by_text.get(str(raw_key))
        if value is None:
            problems.add(join_place(where, str(raw_key)), 'unknown_option', f'{raw_key!r} is not an option value')
            ok = False
        ok = _check_points(points, join_place(where, str(raw_key)), problems) and ok
        result[value] = points
    missing = [value for value in values if value not in result and value not in excluded]
    if missing:
        problems.add(where, 'missing_points', 'no points for ' + ', '.join(map(str, missing))
                     + ' (give points or list them in exclude_values)')
        ok = False
    # Keep option order so to_document is stable whatever order the author wrote.
    return FrozenMap({value: result[value] for value in values if value in result}) if ok else None


def _option_points(doc: Mapping, question: Question, place: str, problems: Problems) -> dict | None:
    excluded = _read_values(doc, 'exclude_values', _scored_values(question), place, problems)
    points = _read_point_map(doc, 'points', question, excluded or (), place, problems)
    if excluded is None or points is None:
        return None
    return {'points': points, 'exclude_values': excluded}


def _matrix_mean(doc: Mapping, question: Question, place: str, problems: Problems) -> dict | None:
    excluded = _read_values(doc, 'exclude_values', question.option_values, place, problems)
    points = _read_point_map(doc, 'column_points', question, excluded or (), place, problems)
    if excluded is None or points is None:
        return None
    return {'column_points': points, 'exclude_values': excluded}


def _count_selected(doc: Mapping, question: Question, place: str, problems: Problems) -> dict | None:
    excluded = _read_values(doc, 'exclude_options', question.option_values, place, problems)
    cap = doc.get('cap')
    if cap is not None and (not is_integer(cap) or cap < 1):
        problems.add(join_place(place, 'cap'), 'bad_score', f'cap must be an integer ≥ 1, got {cap!r}')
        return None
    return None if excluded is None else {'cap': cap, 'exclude_options': excluded}


def _read_thresholds(doc: Mapping, place: str, problems: Problems) -> tuple[Threshold, ...] | None:
    where = join_place(place, 'thresholds')
    rules = doc.get('thresholds')
    if not isinstance(rules, list) or not rules:
        problems.add(where, 'missing' if rules is None else 'bad_score',
                     'thresholds must be a non-empty list of {gte|gt: N, points: p}')
        return None
    result, ok = [], True
    for index, rule in enumerate(rules):
        here = join_place(place, f'thresholds[{index}]')
        if not isinstance(rule, Mapping):
            problems.add(here, 'bad_score', 'a threshold must be a mapping {gte|gt: N, points: p}')
            ok = False
            continue
        check_fields(rule, ('gte', 'gt', 'points'), here, problems)
        ops = [op for op in ('gte', 'gt') if op in rule]
        if len(ops) != 1 or not is_number(rule[ops[0]]):
            problems.add(here, 'bad_score', 'a threshold needs exactly one of gte/gt with a number')
            ok = False
            continue
        if not _check_points(rule.get('points'), join_place(here, 'points'), problems):
            ok = False
            continue
        result.append(Threshold(ops[0], rule[ops[0]], rule['points']))
    return tuple(result) if ok else None


def _threshold(doc: Mapping, question: Question, place: str, problems: Problems) -> dict | None:
    thresholds = _read_thresholds(doc, place, problems)
    return None if thresholds is None else {'thresholds': thresholds}


def _ratio(doc: Mapping, question: Question, place: str, problems: Problems) -> dict | None:
    thresholds = _read_thresholds(doc, place, problems)
    denominator = doc.get('denominator')
    on_zero = doc.get('on_zero_denominator', 'exclude')
    ok = thresholds is not None
    if not isinstance(denominator, str) or not denominator:
        problems.add(join_place(place, 'denominator'), 'bad_score', 'ratio needs "denominator" (a question key)')
        ok = False
    if on_zero not in HIDDEN_RULES:
        problems.add(join_place(place, 'on_zero_denominator'), 'bad_score',
                     'on_zero_denominator must be "exclude" or "zero"')
        ok = False
    return {'thresholds': thresholds, 'denominator': denominator, 'on_zero_denominator': on_zero} if ok else None


_PARAMETER_READERS = {
    'boolean': lambda doc, question, place, problems: {},
    'linear': lambda doc, question, place, problems: {},
    'option_points': _option_points,
    'matrix_mean': _matrix_mean,
    'count_selected': _count_selected,
    'threshold': _threshold,
    'ratio': _ratio,
}
