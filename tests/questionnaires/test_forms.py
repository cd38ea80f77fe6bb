"""parse_form: HTML fields of one page become typed answers; bad input is reported, never stored."""
from __future__ import annotations

import pytest
from questionnaire_factories import definition, options, question, section

from questionnaires import check_answers, load, parse_form
from questionnaires.forms import parse_number


def page_questionnaire():
    return load(definition(
        section('intro', question('name', 'text')),
        section('page',
                question('institution', 'single_choice', options=options('pnp', 'mpfn')),
                question('actions', 'multiple_choice', options=options('media', 'schools', 'none')),
                question('focal', 'yes_no'),
                question('cases', 'integer'),
                question('budget', 'currency'),
                question('ratio', 'decimal', decimals=3),
                question('approved', 'date'),
                question('rating', 'likert', min=1, max=5),
                question('notes', 'long_text'),
                question('coordination', 'matrix', rows=options('pnp', 'mpfn'), cell_type='single_choice',
                         options=options('never', 'often')),
                question('victims', 'matrix', rows=options('sexual', 'labour'), columns=options('women', 'men'),
                         cell_type='integer'))))


def test_a_filled_page_becomes_typed_answers():
    form = {
        'name': ['ignored: another page'],
        'institution': ['mpfn'], 'actions': ['media', 'schools'], 'focal': ['true'], 'cases': ['1 234'],
        'budget': ['1234,50'], 'ratio': ['0,125'], 'approved': ['2018-03-01'], 'rating': ['4'],
        'notes': ['  Two\nlines '], 'coordination__pnp': ['often'], 'coordination__mpfn': [''],
        'victims__sexual__women': ['3'], 'victims__sexual__men': ['0'], 'victims__labour__women': [''],
    }
    answers, errors = parse_form(page_questionnaire(), 'page', form)
    assert errors == []
    assert answers == {
        'institution': 'mpfn', 'actions': ['media', 'schools'], 'focal': True, 'cases': 1234, 'budget': 1234.5,
        'ratio': 0.125, 'approved': '2018-03-01', 'rating': 4, 'notes': 'Two\nlines',
        'coordination': {'pnp': 'often'}, 'victims': {'sexual': {'women': 3, 'men': 0}},
    }
    assert check_answers(page_questionnaire(), answers, keys=list(answers)).errors == []


def test_empty_fields_are_unanswered_so_merging_clears_them():
    answers, errors = parse_form(page_questionnaire(), 'page', {'institution': [''], 'focal': ['  ']})
    assert errors == []
    assert set(answers) == {'institution', 'actions', 'focal', 'cases', 'budget', 'ratio', 'approved', 'rating',
                            'notes', 'coordination', 'victims'}
    assert all(value is None for value in answers.values())


@pytest.mark.parametrize(('field', 'raw', 'code', 'params'), [
    ('focal', 'maybe', 'type', {'expected': 'boolean'}),
    ('cases', '12,5', 'type', {'expected': 'integer'}),
    ('cases', 'doce', 'type', {'expected': 'integer'}),
    ('budget', '1.2.3', 'type', {'expected': 'number'}),
    ('approved', '2018-02-30', 'type', {'expected': 'date'}),
    ('institution', 'army', 'unknown_option', {'value': 'army'}),
    ('actions', 'tv', 'unknown_option', {'value': 'tv'}),
])
def test_unparseable_input_is_a_type_error_and_leaves_the_key_out(field, raw, code, params):
    answers, errors = parse_form(page_questionnaire(), 'page', {field: [raw]})
    assert [(e.key, e.code, e.params) for e in errors] == [(field, code, params)]
    assert field not in answers


def test_bad_matrix_cells_are_reported_and_good_cells_kept():
    form = {'victims__sexual__women': ['x'], 'victims__labour__men': ['2'], 'coordination__pnp': ['sometimes']}
    answers, errors = parse_form(page_questionnaire(), 'page', form)
    assert [(e.key, e.code, e.params) for e in errors] == [
        ('coordination', 'unknown_option', {'row': 'pnp', 'value': 'sometimes'}),
        ('victims', 'type', {'row': 'sexual', 'column': 'women', 'expected': 'integer'}),
    ]
    assert answers['victims'] == {'labour': {'men': 2}}
    assert answers['coordination'] is None


def test_dates_typed_day_first_are_understood():
    answers, _ = parse_form(page_questionnaire(), 'page', {'approved': ['5/3/2018']})
    assert answers['approved'] == '2018-03-05'


def test_a_plain_string_field_value_is_accepted():
    answers, _ = parse_form(page_questionnaire(), 'page', {'cases': '7'})
    assert answers['cases'] == 7


def test_integer_option_values_match_their_text():
    questionnaire = load(definition(section('p', question('scale', 'single_choice', options=options(1, 2)))))
    assert parse_form(questionnaire, 'p', {'scale': ['2']})[0] == {'scale': 2}


def test_an_unknown_section_is_a_key_error():
    with pytest.raises(KeyError):
        parse_form(page_questionnaire(), 'nope', {})


@pytest.mark.parametrize(('text', 'number'), [
    ('1234,50', 1234.5), ('1 234,50', 1234.5), ('1\u00a0234\u202f567', 1234567), ('1.234,50', 1234.5),
    ('1,234.50', 1234.5), ('1.234.567', 1234567), ('S/ 1 500', 1500), ('S/. 20,5', 20.5), ('-3', -3),
    ('0,5', 0.5), ('12', 12), ('', None), ('1.2.3', None), ('1e5', None), ('abc', None), ('1,2,3', None),
])
def test_numbers_accept_peruvian_and_english_writing(text, number):
    assert parse_number(text) == number
