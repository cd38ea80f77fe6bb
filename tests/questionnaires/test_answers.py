"""Answer checks: normalised values, every error code with its params, pages and autosave."""
from __future__ import annotations

import datetime

import pytest
from questionnaire_factories import definition, one_question, options, question, section

from questionnaires import check_answers, load


def check(qtype: str, value, **fields):
    """Check one answer ``value`` for a single question ``q`` of ``qtype``."""
    return check_answers(load(one_question(qtype, **fields)), {'q': value})


def codes(result) -> list[str]:
    return [error.code for error in result.errors]


@pytest.mark.parametrize(('qtype', 'fields', 'value', 'cleaned'), [
    ('single_choice', {}, 'b', 'b'),
    ('single_choice', {'options': options(1, 2)}, 2, 2),
    ('multiple_choice', {}, ['c', 'a', 'c'], ['a', 'c']),
    ('yes_no', {}, False, False),
    ('integer', {}, 7, 7),
    ('integer', {}, 7.0, 7),
    ('decimal', {}, 3.14159, 3.14),
    ('decimal', {'decimals': 0}, 2.6, 3.0),
    ('currency', {}, 1234.555, 1234.56),
    ('currency', {}, 100, 100.0),
    ('date', {}, '2018-02-28', '2018-02-28'),
    ('date', {}, datetime.date(2018, 2, 28), '2018-02-28'),
    ('text', {}, '  Lima \n Norte ', 'Lima Norte'),
    ('long_text', {}, ' line one\nline two ', 'line one\nline two'),
    ('likert', {'min': 1, 'max': 5}, 4, 4),
    ('matrix', {'rows': options('r1', 'r2'), 'cell_type': 'single_choice', 'options': options('x', 'y')},
     {'r2': 'y', 'r1': 'x'}, {'r1': 'x', 'r2': 'y'}),
    ('matrix', {'rows': options('r1'), 'columns': options('c1', 'c2'), 'cell_type': 'integer'},
     {'r1': {'c2': 3, 'c1': 0}}, {'r1': {'c1': 0, 'c2': 3}}),
])
def test_valid_answers_are_normalised(qtype, fields, value, cleaned):
    result = check(qtype, value, **fields)
    assert result.errors == []
    assert result.cleaned == {'q': cleaned}


@pytest.mark.parametrize(('qtype', 'fields', 'value', 'code', 'params'), [
    ('single_choice', {}, ['a'], 'type', {'expected': 'option'}),
    ('single_choice', {}, 'zzz', 'unknown_option', {'value': 'zzz'}),
    ('single_choice', {'options': options(1, 2)}, '1', 'unknown_option', {'value': '1'}),
    ('multiple_choice', {}, 'a', 'type', {'expected': 'list'}),
    ('multiple_choice', {}, ['a', 'zzz'], 'unknown_option', {'value': 'zzz'}),
    ('multiple_choice', {'min': 2}, ['a'], 'min_selected', {'min': 2}),
    ('multiple_choice', {'max': 1}, ['a', 'b'], 'max_selected', {'max': 1}),
    ('multiple_choice', {'options': options('a', 'none'), 'exclusive_options': ['none']}, ['a', 'none'],
     'exclusive', {'option': 'none'}),
    ('yes_no', {}, 'yes', 'type', {'expected': 'boolean'}),
    ('yes_no', {}, 1, 'type', {'expected': 'boolean'}),
    ('integer', {}, 2.5, 'type', {'expected': 'integer'}),
    ('integer', {}, True, 'type', {'expected': 'integer'}),
    ('integer', {}, '12', 'type', {'expected': 'integer'}),
    ('integer', {'min': 0}, -1, 'min', {'min': 0, 'value': -1}),
    ('integer', {'max': 10}, 11, 'max', {'max': 10, 'value': 11}),
    ('decimal', {}, float('nan'), 'type', {'expected': 'number'}),
    ('currency', {'max': 100}, 100.004, None, None),
    ('currency', {'max': 100}, 100.006, 'max', {'max': 100, 'value': 100.01}),
    ('date', {}, '2018-02-30', 'type', {'expected': 'date'}),
    ('date', {}, '30/01/2018', 'type', {'expected': 'date'}),
    ('date', {'min': '2007-01-16'}, '2007-01-15', 'min', {'min': '2007-01-16', 'value': '2007-01-15'}),
    ('date', {'max': '2018-12-31'}, '2019-01-01', 'max', {'max': '2018-12-31', 'value': '2019-01-01'}),
    ('text', {}, 42, 'type', {'expected': 'text'}),
    ('text', {'min': 3}, 'ab', 'min_length', {'min_length': 3, 'length': 2}),
    ('text', {'max': 3}, 'abcd', 'max_length', {'max_length': 3, 'length': 4}),
    ('text', {}, 'x' * 501, 'max_length', {'max_length': 500, 'length': 501}),
    ('text', {'pattern': r'\d{8}'}, '1234567', 'pattern', {'pattern': r'\d{8}'}),
    ('long_text', {}, 'x' * 10001, 'max_length', {'max_length': 10000, 'length': 10001}),
    ('likert', {'min': 1, 'max': 5}, 6, 'max', {'max': 5, 'value': 6}),
    ('likert', {'min': 1, 'max': 5}, 0, 'min', {'min': 1, 'value': 0}),
    ('matrix', {'rows': options('r'), 'cell_type': 'single_choice', 'options': options('x')}, ['x'], 'type',
     {'expected': 'object'}),
    ('matrix', {'rows': options('r'), 'cell_type': 'single_choice', 'options': options('x')}, {'zz': 'x'},
     'unknown_option', {'row': 'zz'}),
    ('matrix', {'rows': options('r'), 'cell_type': 'single_choice', 'options': options('x')}, {'r': 'q'},
     'unknown_option', {'row': 'r', 'value': 'q'}),
    ('matrix', {'rows': options('r'), 'columns': options('c'), 'cell_type': 'integer', 'cell_min': 0},
     {'r': {'c': -2}}, 'cell_min', {'row': 'r', 'column': 'c', 'min': 0, 'value': -2}),
    ('matrix', {'rows': options('r'), 'columns': options('c'), 'cell_type': 'integer', 'cell_max': 9},
     {'r': {'c': 10}}, 'cell_max', {'row': 'r', 'column': 'c', 'max': 9, 'value': 10}),
    ('matrix', {'rows': options('r'), 'columns': options('c'), 'cell_type': 'integer'},
     {'r': {'c': 'many'}}, 'type', {'row': 'r', 'column': 'c', 'expected': 'integer'}),
    ('matrix', {'rows': options('r'), 'columns': options('c'), 'cell_type': 'integer'},
     {'r': {'k': 1}}, 'unknown_option', {'row': 'r', 'column': 'k'}),
])
def test_invalid_answers_get_a_code_and_params_and_stay_out_of_cleaned(qtype, fields, value, code, params):
    result = check(qtype, value, **fields)
    if code is None:
        assert result.errors == [] and 'q' in result.cleaned
        return
    [error] = result.errors
    assert (error.key, error.code, error.params) == ('q', code, params)
    assert error.message
    assert 'q' not in result.cleaned


def test_required_questions_must_be_answered_unless_autosaving():
    questionnaire = load(one_question('integer', required=True))
    for empty in ({}, {'q': None}):
        result = check_answers(questionnaire, empty)
        assert [(error.key, error.code) for error in result.errors] == [('q', 'required')]
        assert check_answers(questionnaire, empty, require_complete=False).errors == []


def test_empty_texts_and_selections_count_as_unanswered():
    assert codes(check('text', '   ', required=True)) == ['required']
    assert codes(check('multiple_choice', [], required=True)) == ['required']
    assert check('text', '   ').cleaned == {}


def test_a_required_matrix_needs_every_row_or_cell():
    choice = check('matrix', {'r1': 'x'}, required=True, rows=options('r1', 'r2'), cell_type='single_choice',
                   options=options('x'))
    assert [(e.code, e.params) for e in choice.errors] == [('required', {'missing_rows': ['r2']})]
    assert choice.cleaned == {'q': {'r1': 'x'}}
    counts = check('matrix', {'r1': {'c1': 1}}, required=True, rows=options('r1'), columns=options('c1', 'c2'),
                   cell_type='integer')
    assert [(e.code, e.params) for e in counts.errors] == [('required', {'missing_cells': ['r1__c2']})]


def test_an_invalid_required_answer_reports_only_its_own_error():
    assert codes(check('integer', 'x', required=True)) == ['type']


def hidden_follow_up():
    return load(definition(section(
        'profile',
        question('institution', 'single_choice', options=options('pnp', 'other'), required=True),
        question('institution_other', 'text', required=True,
                 show_if={'question': 'institution', 'equals': 'other'}),
        question('months', 'integer', min=0)),
        section('budget',
                question('budget', 'currency', required=True),
                question('executed', 'currency', max_ref='budget'))))


def test_hidden_answers_and_unknown_keys_are_dropped_without_errors():
    result = check_answers(hidden_follow_up(), {'institution': 'pnp', 'institution_other': 'ignored', 'bogus': 1,
                                                'budget': 10, 'months': 3})
    assert result.errors == []
    assert result.cleaned == {'institution': 'pnp', 'months': 3, 'budget': 10.0}


def test_a_shown_follow_up_becomes_required():
    result = check_answers(hidden_follow_up(), {'institution': 'other', 'budget': 1})
    assert [(e.key, e.code) for e in result.errors] == [('institution_other', 'required')]


def test_keys_restrict_the_check_to_one_page():
    questionnaire = hidden_follow_up()
    page = [question.key for question in questionnaire.section('budget').questions]
    result = check_answers(questionnaire, {'institution': 'other', 'budget': 5, 'months': -1}, keys=page)
    assert result.errors == []
    assert result.cleaned == {'budget': 5.0}


def test_max_ref_is_a_soft_warning_naming_the_other_question():
    result = check_answers(hidden_follow_up(), {'institution': 'pnp', 'budget': 100, 'executed': 150.5})
    assert result.ok
    [warning] = result.warnings
    assert (warning.key, warning.code) == ('executed', 'max_ref')
    assert warning.params == {'other': 'budget', 'other_value': 100.0, 'value': 150.5}
    assert result.cleaned['executed'] == 150.5
    assert result.errors_by_key() == {'executed': [warning]}
    assert check_answers(hidden_follow_up(), {'budget': 100, 'executed': 100}).warnings == []
    assert check_answers(hidden_follow_up(), {'executed': 100}).warnings == []


def test_the_reference_rejects_a_partner_institution_without_a_name(reference):
    result = check_answers(reference, {'institution': 'other'}, keys=['institution', 'institution_other'])
    assert [(e.key, e.code) for e in result.errors] == [('institution_other', 'required')]
