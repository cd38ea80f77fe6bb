"""XLSForm import/export: Kobo-style forms import, our definitions round-trip, every fault is placed."""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import load
from questionnaires.xlsform import (
    ExprError,
    XLSFormError,
    XLSFormProblem,
    parse_condition,
    read_xlsform,
    render_condition,
    write_xlsform,
)

SETTINGS = [['form_id', 'form_title::Español (es)', 'form_title::English (en)', 'version', 'default_language',
             'framework'],
            ['kobo-form', 'Formulario Kobo', 'Kobo form', 'vJ3x7', 'Spanish (es)', 'pnat-2017-2021']]
SURVEY_HEADER = ['type', 'name', 'label::Español (es)', 'label::English (en)', 'required', 'relevant', 'constraint',
                 'appearance', 'axis']


def canonical(document: dict) -> str:
    """JSON that tells 1, 1.0 and True apart, for strict document comparison."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def make_form(tmp_path: Path, survey: list | None, choices: list | None = None, settings_rows: list | None = None,
              name: str = 'form.xlsx') -> Path:
    """Write an XLSForm workbook; ``survey``/``choices`` are lists of rows, the first one the header."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (('survey', survey), ('choices', choices), ('settings', settings_rows or SETTINGS)):
        if rows is None:
            continue
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def survey_rows(*rows: list) -> list:
    """The standard survey header followed by ``rows`` (short rows are padded)."""
    return [SURVEY_HEADER] + [list(row) + [None] * (len(SURVEY_HEADER) - len(row)) for row in rows]


def problems_of(source) -> list[XLSFormProblem]:
    """Import ``source`` expecting failure; return the problems."""
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(source)
    return caught.value.problems


def places(problems: list[XLSFormProblem]) -> list[tuple]:
    return [(problem.sheet, problem.row, problem.column) for problem in problems]


YES_NO = [['list_name', 'name', 'label', 'label::English (en)'],
          ['yn', 'yes', 'Sí', 'Yes'], ['yn', 'no', 'No', 'No']]


# ------------------------------------------------------------------------------------------------ import

KOBO_CHOICES = YES_NO + [
    ['inst', 'pnp', 'Policía', 'Police'], ['inst', 'other', 'Otra', 'Other'],
    ['acts', 'media', 'Medios', 'Media'], ['acts', 'school', 'Escuelas', 'Schools'],
    ['acts', 'none', 'Ninguna', 'None'],
    ['scale', 1, 'Muy mal', 'Very poor'], ['scale', 2, 'Mal', 'Poor'], ['scale', 3, 'Regular', 'Fair'],
    ['freq', 'never', 'Nunca', 'Never'], ['freq', 'often', 'A menudo', 'Often'],
]
KOBO_SURVEY = survey_rows(
    ['start', 'start'],
    ['begin group', 'profile', 'Perfil', 'Profile'],
    ['select_one inst', 'inst', '¿Institución?', 'Institution?', 'yes'],
    ['text', 'inst_other', '¿Cuál?', 'Which?', 'TRUE()', "${inst} = 'other'", 'string-length(.) <= 100'],
    ['integer', 'age', 'Edad', 'Age', 'true', None, '. >= 18 and . <= 99'],
    ['text', 'code', 'Código', None, 'no', None, "regex(., '^[A-Z]{3}$')"],
    ['end group'],
    ['begin group', 'gov', 'Gobernanza', 'Governance', None, None, None, None, 'governance'],
    ['select_one yn', 'has_plan', '¿Tiene plan?', 'Has a plan?', 'yes'],
    ['date', 'plan_date', 'Fecha', 'Date', 'yes', "${has_plan} = 'yes'",
     ". >= date('2010-01-01') and . < date('2019-01-01')"],
    ['decimal', 'budget', 'Presupuesto', 'Budget', None, None, '. >= 0'],
    ['integer', 'staff', 'Personal', 'Staff', None, None, '(. > 0) and . < 1000'],
    ['integer', 'trained', 'Capacitados', 'Trained', None, "${staff} > 0", '. >= 0 and . <= ${staff}'],
    ['select_multiple acts', 'acts', 'Acciones', 'Actions', 'yes', None,
     "count-selected(.) >= 1 and count-selected(.) <= 2 and not(selected(., 'none') and count-selected(.) > 1)"],
    ['text', 'notes', 'Notas', 'Notes', None, "not(${has_plan} = 'no') and (${staff} >= 10 or ${staff} < 2)", None,
     'multiline'],
    ['select_one scale', 'rating', 'Valoración', 'Rating', 'yes', None, None, 'likert'],
    ['text', 'comment', 'Comentario', None, None,
     "selected(${acts}, 'media') and ${inst} != 'pnp' and ${rating} <= 3 and ${budget} > 1000.5"
     " or ${has_plan} != 'yes'"],
    ['begin group', 'grid', 'Frecuencia', 'Frequency', None, None, None, 'table-list'],
    ['select_one freq', 'grid_header', 'Institución', None, None, None, None, 'label'],
    ['select_one freq', 'grid__pnp', 'Policía', 'Police', 'yes', None, None, 'list-nolabel'],
    ['select_one freq', 'grid__mp', 'Fiscalía', 'Prosecutors', 'yes', None, None, 'list-nolabel'],
    ['end group', 'grid'],
    ['end group', 'gov'],
    ['end', 'end'],
)
KOBO_DOCUMENT = {
    'format': 1, 'key': 'kobo-form', 'title': {'es': 'Formulario Kobo', 'en': 'Kobo form'},
    'framework': 'pnat-2017-2021',
    'sections': [
        {'key': 'profile', 'title': {'es': 'Perfil', 'en': 'Profile'}, 'axis': None, 'questions': [
            {'key': 'inst', 'type': 'single_choice', 'text': {'es': '¿Institución?', 'en': 'Institution?'},
             'required': True, 'options': [{'value': 'pnp', 'label': {'es': 'Policía', 'en': 'Police'}},
                                           {'value': 'other', 'label': {'es': 'Otra', 'en': 'Other'}}]},
            {'key': 'inst_other', 'type': 'text', 'text': {'es': '¿Cuál?', 'en': 'Which?'}, 'required': True,
             'show_if': {'question': 'inst', 'equals': 'other'}, 'max': 100},
            {'key': 'age', 'type': 'integer', 'text': {'es': 'Edad', 'en': 'Age'}, 'required': True,
             'min': 18, 'max': 99},
            {'key': 'code', 'type': 'text', 'text': {'es': 'Código'}, 'required': False, 'pattern': '^[A-Z]{3}$'},
        ]},
        {'key': 'gov', 'title': {'es': 'Gobernanza', 'en': 'Governance'}, 'axis': 'governance', 'questions': [
            {'key': 'has_plan', 'type': 'yes_no', 'text': {'es': '¿Tiene plan?', 'en': 'Has a plan?'},
             'required': True},
            {'key': 'plan_date', 'type': 'date', 'text': {'es': 'Fecha', 'en': 'Date'}, 'required': True,
             'show_if': {'question': 'has_plan', 'equals': True}, 'min': '2010-01-01', 'max': '2018-12-31'},
            {'key': 'budget', 'type': 'decimal', 'text': {'es': 'Presupuesto', 'en': 'Budget'}, 'required': False,
             'min': 0},
            {'key': 'staff', 'type': 'integer', 'text': {'es': 'Personal', 'en': 'Staff'}, 'required': False,
             'min': 1, 'max': 999},
            {'key': 'trained', 'type': 'integer', 'text': {'es': 'Capacitados', 'en': 'Trained'}, 'required': False,
             'show_if': {'question': 'staff', 'gt': 0}, 'min': 0, 'max_ref': 'staff'},
            {'key': 'acts', 'type': 'multiple_choice', 'text': {'es': 'Acciones', 'en': 'Actions'}, 'required': True,
             'options': [{'value': 'media', 'label': {'es': 'Medios', 'en': 'Media'}},
                         {'value': 'school', 'label': {'es': 'Escuelas', 'en': 'Schools'}},
                         {'value': 'none', 'label': {'es': 'Ninguna', 'en': 'None'}}],
             'min': 1, 'max': 2, 'exclusive_options': ['none']},
            {'key': 'notes', 'type': 'long_text', 'text': {'es': 'Notas', 'en': 'Notes'}, 'required': False,
             'show_if': {'all': [{'not': {'question': 'has_plan', 'equals': False}},
                                 {'any': [{'question': 'staff', 'gte': 10}, {'question': 'staff', 'lt': 2}]}]}},
            {'key': 'rating', 'type': 'likert', 'text': {'es': 'Valoración', 'en': 'Rating'}, 'required': True,
             'min': 1, 'max': 3,
             'options': [{'value': 1, 'label': {'es': 'Muy mal', 'en': 'Very poor'}},
                         {'value': 2, 'label': {'es': 'Mal', 'en': 'Poor'}},
                         {'value': 3, 'label': {'es': 'Regular', 'en': 'Fair'}}]},
            {'key': 'comment', 'type': 'text', 'text': {'es': 'Comentario'}, 'required': False,
             'show_if': {'any': [{'all': [{'question': 'acts', 'selected': 'media'},
                                          {'question': 'inst', 'not_equals': 'pnp'},
                                          {'question': 'rating', 'lte': 3},
                                          {'question': 'budget', 'gt': 1000.5}]},
                                 {'question': 'has_plan', 'not_equals': True}]}},
            {'key': 'grid', 'type': 'matrix', 'text': {'es': 'Frecuencia', 'en': 'Frequency'}, 'required': True,
             'cell_type': 'single_choice',
             'options': [{'value': 'never', 'label': {'es': 'Nunca', 'en': 'Never'}},
                         {'value': 'often', 'label': {'es': 'A menudo', 'en': 'Often'}}],
             'rows': [{'value': 'pnp', 'label': {'es': 'Policía', 'en': 'Police'}},
                      {'value': 'mp', 'label': {'es': 'Fiscalía', 'en': 'Prosecutors'}}]},
        ]},
    ],
}


def test_a_kobo_style_form_imports_with_groups_two_languages_expressions_and_constraints(tmp_path):
    document = read_xlsform(make_form(tmp_path, KOBO_SURVEY, KOBO_CHOICES))
    assert canonical(document) == canonical(KOBO_DOCUMENT)
    assert len(load(document).questions) == 14


def test_ungrouped_questions_go_to_a_default_section_and_nested_group_relevance_is_pushed_down(tmp_path):
    survey = survey_rows(
        ['select_one yn', 'consent', 'Acepta', None, 'yes'],
        ['begin group', 'main', 'Principal', None, None, "${consent} = 'yes'"],
        ['integer', 'count', 'Cantidad'],
        ['begin group', 'detail', 'Detalle', None, None, '${count} > 0'],
        ['text', 'why', 'Por qué', None, None, '${count} != 3'],
        ['end group'],
        ['end group'],
        ['text', 'bye', 'Adiós'],
    )
    document = read_xlsform(make_form(tmp_path, survey, YES_NO))
    assert [(s['key'], s['title'], [q['key'] for q in s['questions']]) for s in document['sections']] == [
        ('general', {'es': 'General', 'en': 'General'}, ['consent']),
        ('main', {'es': 'Principal'}, ['count', 'why']),
        ('general_2', {'es': 'General', 'en': 'General'}, ['bye'])]
    consent = {'question': 'consent', 'equals': True}
    count, why = document['sections'][1]['questions']
    assert count['show_if'] == consent
    assert why['show_if'] == {'all': [consent, {'question': 'count', 'gt': 0},
                                      {'question': 'count', 'not_equals': 3}]}
    load(document)


def test_label_column_variants_are_matched_by_language_code(tmp_path):
    survey = [['type', 'name', 'label::es', 'label::English', 'hint::Castellano (es)', 'hint::en'],
              ['begin_group', 's', 'Sección', 'Section'],
              ['text', 't', 'Texto', 'Text', 'Ayuda', 'Help'],
              ['end_group']]
    settings_rows = [['form_id', 'form_title', 'default_language', 'framework'],
                     ['variants', 'Variantes', 'English (en)', 'pnat-2017-2021']]
    # With English as default language, a plain form_title is English: the Spanish title is then missing.
    assert places(problems_of(make_form(tmp_path, survey, None, settings_rows))) == [('settings', 2, 'form_title')]
    settings_rows[1][2] = 'Español (es)'
    document = read_xlsform(make_form(tmp_path, survey, None, settings_rows, name='again.xlsx'))
    assert document['title'] == {'es': 'Variantes'}
    assert document['sections'][0]['questions'][0] == {
        'key': 't', 'type': 'text', 'text': {'es': 'Texto', 'en': 'Text'}, 'help': {'es': 'Ayuda', 'en': 'Help'},
        'required': False}


def test_a_range_is_a_likert_without_options_and_integer_matrices_import(tmp_path):
    header = ['type', 'name', 'label', 'required', 'constraint', 'appearance', 'parameters', 'x_type']
    survey = [header,
              ['begin group', 's', 'S'],
              ['range', 'scale', 'Escala', 'yes', None, None, 'start=0 end=10 step=1'],
              ['begin group', 'victims', 'Víctimas', None, None, 'field-list', None, 'matrix'],
              ['begin group', 'victims__sexual', 'Sexual'],
              ['integer', 'victims__sexual__women', 'Mujeres', None, '. >= 0'],
              ['integer', 'victims__sexual__men', 'Hombres', None, '. >= 0'],
              ['end group'],
              ['begin group', 'victims__labour', 'Laboral'],
              ['integer', 'victims__labour__women', 'Mujeres', None, '. >= 0'],
              ['integer', 'victims__labour__men', 'Hombres', None, '. >= 0'],
              ['end group'],
              ['end group'],
              ['end group']]
    scale, victims = read_xlsform(make_form(tmp_path, survey))['sections'][0]['questions']
    assert scale == {'key': 'scale', 'type': 'likert', 'text': {'es': 'Escala'}, 'required': True, 'min': 0, 'max': 10}
    assert victims == {
        'key': 'victims', 'type': 'matrix', 'text': {'es': 'Víctimas'}, 'required': False, 'cell_type': 'integer',
        'columns': [{'value': 'women', 'label': {'es': 'Mujeres'}}, {'value': 'men', 'label': {'es': 'Hombres'}}],
        'cell_min': 0,
        'rows': [{'value': 'sexual', 'label': {'es': 'Sexual'}}, {'value': 'labour', 'label': {'es': 'Laboral'}}]}


# ----------------------------------------------------------------------------------------------- round trip

def round_trip(document: dict) -> dict:
    buffer = io.BytesIO()
    write_xlsform(document, buffer)
    return read_xlsform(io.BytesIO(buffer.getvalue()))


def test_the_reference_questionnaire_round_trips_exactly(reference_document, tmp_path):
    path = tmp_path / 'pnat.xlsx'
    write_xlsform(reference_document, path)
    assert canonical(read_xlsform(path)) == canonical(reference_document)
    with path.open('rb') as stream:
        assert canonical(read_xlsform(stream)) == canonical(reference_document)
    assert canonical(read_xlsform(str(path))) == canonical(reference_document)


def test_the_reference_questionnaire_round_trips_through_load(reference_document):
    normalised = load(reference_document).to_document()
    assert len(load(round_trip(reference_document)).questions) == 44
    assert canonical(load(round_trip(reference_document)).to_document()) == canonical(normalised)
    assert canonical(load(round_trip(normalised)).to_document()) == canonical(normalised)


UNUSUAL = {
    'format': 1, 'key': 'unusual', 'title': {'es': 'Raro'}, 'x_owner': {'team': 'CHS', 'ids': [1, 2]},
    'description': {'es': 'Descripción'},
    'framework': {'key': 'pn-2030', 'name': {'es': 'Política 2030', 'en': 'Policy 2030'},
                  'axes': [{'key': 'op1', 'name': {'es': 'Objetivo 1'}}]},
    'sections': [
        {'key': 'yes_no', 'title': {'es': 'Uno', 'en': 'One'}, 'axis': 'op1', 'x_note': 'section extra', 'questions': [
            {'key': 'pick', 'type': 'single_choice', 'text': {'es': 'Elija'}, 'required': True,
             'options': [{'value': 'no', 'label': {'es': 'No'}}, {'value': 'yes', 'label': {'es': 'Sí'}}],
             'score': {'weight': 1.5, 'method': 'option_points', 'points': {'yes': 1, 'no': 0}}},
            {'key': 'yes_no', 'type': 'yes_no', 'text': {'es': '¿Sí?'}, 'required': False},
            {'key': 'codes', 'type': 'single_choice', 'text': {'es': 'Código'},
             'options': [{'value': 1, 'label': {'es': 'Uno'}}, {'value': '1', 'label': {'es': 'Uno (texto)'}},
                         {'value': 'x.y-z', 'label': {'es': '=SUMA(A1)', 'en': "it's \"quoted\""}}]},
            {'key': 'few', 'type': 'single_choice', 'text': {'es': 'Pocos'},
             'options': [{'value': 'a', 'label': {'es': 'A'}}, {'value': 'b', 'label': {'es': 'B'}},
                         {'value': 'c', 'label': {'es': 'C'}}],
             'show_if': {'question': 'codes', 'in': [1, '1']}},
            {'key': 'essay', 'type': 'long_text', 'text': {'es': 'Ensayo'}, 'min': 10, 'max': 10000,
             'show_if': {'all': [{'question': 'few', 'not_equals': 'a'}]}, 'indicator': 'IND-7'},
            {'key': 'ruc', 'type': 'text', 'text': {'es': 'RUC'}, 'pattern': "[0-9]{11}|it's \"n/a\"", 'min': 11,
             'show_if': {'any': [{'question': 'yes_no', 'equals': False},
                                 {'all': [{'question': 'few', 'equals': 'b'},
                                          {'not': {'any': [{'question': 'codes', 'equals': 1},
                                                           {'question': 'codes', 'equals': 'x.y-z'}]}}]}]}},
            {'key': 'stars', 'type': 'likert', 'text': {'es': 'Estrellas'}, 'min': 1, 'max': 7,
             'score': {'weight': 1, 'method': 'linear', 'if_hidden': 'zero'}},
            {'key': 'partial', 'type': 'likert', 'text': {'es': 'Parcial'}, 'min': 0, 'max': 10,
             'options': [{'value': 0, 'label': {'es': 'Nada'}}, {'value': 10, 'label': {'es': 'Todo'}}],
             'show_if': {'question': 'stars', 'gte': 4}},
            {'key': 'ratio', 'type': 'decimal', 'text': {'es': 'Razón'}, 'min': -0.5, 'max': 1e-07, 'decimals': 0,
             'x_unit': '%'},
            {'key': 'usd', 'type': 'currency', 'text': {'es': 'Dólares'}, 'currency': 'USD', 'max_ref': 'ratio',
             'show_if': {'question': 'ratio', 'lt': 0.25}},
            {'key': 'grid', 'type': 'matrix', 'text': {'es': 'Cuadro'}, 'cell_type': 'integer', 'required': True,
             'rows': [{'value': 1, 'label': {'es': 'Uno'}}, {'value': 'two', 'label': {'es': 'Dos'}}],
             'columns': [{'value': 'c1', 'label': {'es': 'C1'}}], 'cell_max': 5},
            {'key': 'tags', 'type': 'multiple_choice', 'text': {'es': 'Etiquetas'}, 'max': 2,
             'options': [{'value': 'a', 'label': {'es': 'A'}}, {'value': 0, 'label': {'es': 'Cero'}}],
             'exclusive_options': [0]},
            {'key': 'when', 'type': 'date', 'text': {'es': 'Cuándo'}, 'max': '2030-12-31',
             'show_if': {'question': 'tags', 'selected': 0}},
        ]},
    ],
}


def test_unusual_fields_round_trip_without_loss():
    load(UNUSUAL)
    assert canonical(round_trip(UNUSUAL)) == canonical({
        **UNUSUAL, 'sections': [{**UNUSUAL['sections'][0], 'questions': [
            {'required': False, **question} for question in UNUSUAL['sections'][0]['questions']]}]})
    assert canonical(load(round_trip(UNUSUAL)).to_document()) == canonical(load(UNUSUAL).to_document())


def test_export_writes_kobo_readable_columns(tmp_path):
    path = tmp_path / 'unusual.xlsx'
    write_xlsform(UNUSUAL, path)
    book = openpyxl.load_workbook(path)
    survey = [dict(zip([cell.value for cell in book['survey'][1]], [cell.value for cell in row]))
              for row in book['survey'].iter_rows(min_row=2)]
    by_name = {row['name']: row for row in survey if not row['type'].startswith('end')}
    assert by_name['pick']['type'] == 'select_one pick' and by_name['pick']['x_type'] == 'single_choice'
    assert by_name['yes_no']['type'] == 'select_one yes_no'
    assert by_name['few']['relevant'] == "${codes} = 1 or ${codes} = '1'"
    assert json.loads(by_name['few']['x_show_if']) == {'question': 'codes', 'in': [1, '1']}
    assert by_name['ruc']['constraint'] == ('string-length(.) >= 11 and regex(., concat(\'^(?:[0-9]{11}|it\', "\'", '
                                            '\'s "n/a")$\'))')
    assert by_name['stars']['type'] == 'range' and by_name['stars']['parameters'] == 'start=1 end=7 step=1'
    assert by_name['usd']['constraint'] == '. <= ${ratio}' and by_name['usd']['x_currency'] == 'USD'
    assert by_name['essay']['appearance'] == 'multiline'
    assert json.loads(by_name['essay']['x_extra']) == {'indicator': 'IND-7'}
    codes = [row for row in book['choices'].iter_rows(min_row=2, values_only=True) if row[0] == 'codes']
    assert [row[1] for row in codes] == [1, '1', 'x.y-z'] and codes[2][2] == '=SUMA(A1)'
    settings_row = dict(zip(*book['settings'].iter_rows(values_only=True)))
    assert settings_row['form_id'] == 'unusual' and json.loads(settings_row['framework'])['key'] == 'pn-2030'
    # pyxform fails on translated form titles: only the plain (Spanish) form_title is a real XLSForm setting.
    assert settings_row['form_title'] == 'Raro' and not any(name.startswith('form_title::') for name in settings_row)
    assert json.loads(settings_row['x_extra']) == {'x_owner': {'team': 'CHS', 'ids': [1, 2]}}


# ------------------------------------------------------------------------------------------ expression parser

QUESTIONS = {
    'yn': ('yes_no', None),
    'pick': ('single_choice', ['a', 'b_1', 'c-2', 'd.3']),
    'many': ('multiple_choice', ['x', 'y', 'z']),
    'count': ('integer', None),
    'amount': ('decimal', None),
    'money': ('currency', None),
    'stars': ('likert', [1, 2, 3, 4, 5]),
    'when': ('date', None),
    'name': ('text', None),
}
ORDER = ('gt', 'gte', 'lt', 'lte')


def leaves() -> st.SearchStrategy:
    def leaf(key: str, ops: tuple, values: st.SearchStrategy) -> st.SearchStrategy:
        return st.builds(lambda op, value: {'question': key, op: value}, st.sampled_from(ops), values)

    numbers = st.one_of(st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False))
    return st.one_of(
        leaf('yn', ('equals', 'not_equals'), st.booleans()),
        leaf('pick', ('equals', 'not_equals'), st.sampled_from(QUESTIONS['pick'][1])),
        leaf('many', ('selected',), st.sampled_from(QUESTIONS['many'][1])),
        leaf('count', ('equals', 'not_equals') + ORDER, st.integers(-10**12, 10**12)),
        leaf('amount', ('equals',) + ORDER, numbers),
        leaf('money', ORDER, numbers),
        leaf('stars', ('equals', 'not_equals') + ORDER, st.integers(1, 5)),
        leaf('when', ('equals', 'not_equals') + ORDER, st.dates().map(lambda day: day.isoformat())),
        leaf('name', ('equals', 'not_equals'), st.text(max_size=12)),
    )


CONDITIONS = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.builds(lambda items: {'all': items}, st.lists(children, min_size=2, max_size=4)),
        st.builds(lambda items: {'any': items}, st.lists(children, min_size=2, max_size=4)),
        st.builds(lambda item: {'not': item}, children)),
    max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONDITIONS)
def test_rendered_conditions_parse_back_to_the_same_tree(condition):
    text = render_condition(condition, QUESTIONS)
    assert canonical(parse_condition(text, QUESTIONS)) == canonical(condition), text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("${}()'\". =!<>andort,-+*/0123456789xyn_")), max_size=40))
def test_the_parser_maps_or_refuses_any_text_without_crashing(text):
    try:
        condition = parse_condition(text, {'x': ('integer', None), 'y': ('yes_no', None), 'n': ('text', None)})
    except ExprError:
        return
    assert isinstance(condition, dict)


def test_in_and_single_item_groups_render_as_equivalent_expressions():
    assert render_condition({'question': 'pick', 'in': ['a', 'b_1']}, QUESTIONS) == "${pick} = 'a' or ${pick} = 'b_1'"
    assert parse_condition(render_condition({'all': [{'question': 'pick', 'in': ['a', 'b_1']},
                                                     {'question': 'yn', 'equals': True}]}, QUESTIONS), QUESTIONS) == {
        'all': [{'any': [{'question': 'pick', 'equals': 'a'}, {'question': 'pick', 'equals': 'b_1'}]},
                {'question': 'yn', 'equals': True}]}
    assert parse_condition("'a' = ${pick} and selected(${pick}, 'b_1')", QUESTIONS) == {
        'all': [{'question': 'pick', 'equals': 'a'}, {'question': 'pick', 'equals': 'b_1'}]}


def test_an_edited_relevant_wins_over_a_stale_x_show_if(tmp_path):
    survey = [['type', 'name', 'label', 'relevant', 'x_show_if'],
              ['begin group', 's', 'S'],
              ['integer', 'n', 'N'],
              ['integer', 'm', 'M', '${n} > 5', '{"question":"n","in":[1,2]}'],
              ['end group']]
    question = read_xlsform(make_form(tmp_path, survey))['sections'][0]['questions'][1]
    assert question['show_if'] == {'question': 'n', 'gt': 5}


# ------------------------------------------------------------------------------------------------- errors

def test_unknown_and_unsupported_types_are_refused_with_row_and_column(tmp_path):
    survey = survey_rows(['begin group', 's', 'S'], ['note', 'info', 'Nota'], ['calculate', 'total'],
                         ['geopoint', 'where', 'Dónde'], ['select_one yn or_other', 'q', 'Q'],
                         ['begin repeat', 'r', 'R'], ['text', 'inside', 'Dentro'], ['end repeat'], ['end group'])
    problems = problems_of(make_form(tmp_path, survey, YES_NO))
    assert places(problems) == [('survey', row, 'type') for row in (3, 4, 5, 6, 7)]
    assert str(problems[0]) == 'survey!row 3, column type: unsupported type "note"'
    assert 'or_other' in problems[3].message and 'repeat' in problems[4].message


def test_a_select_with_a_missing_list_is_refused(tmp_path):
    survey = survey_rows(['begin group', 's', 'S'], ['select_one nowhere', 'q', 'Q'],
                         ['select_multiple yn', 'ok', 'Ok', None, None, "${q} = 'a'"], ['end group'])
    problems = problems_of(make_form(tmp_path, survey, YES_NO))
    assert places(problems) == [('survey', 3, 'type')]
    assert 'choice list "nowhere" is not on the choices sheet' in problems[0].message


def test_duplicate_names_are_refused(tmp_path):
    survey = survey_rows(['begin group', 's', 'S'], ['integer', 'q', 'Q'], ['text', 'q', 'Q again'], ['end group'],
                         ['begin group', 's', 'S again'], ['integer', 'r', 'R'], ['end group'])
    choices = YES_NO + [['yn', 'yes', 'Otra vez', 'Again']]
    problems = problems_of(make_form(tmp_path, survey, choices))
    assert places(problems) == [('choices', 4, 'name'), ('survey', 4, 'name'), ('survey', 6, 'name')]
    assert str(problems[1]) == 'survey!row 4, column name: duplicate question name "q" (already on row 3)'


@pytest.mark.parametrize('expression, reason', [
    ('${a} + 1', 'arithmetic is not supported'),
    ('today() > ${d}', 'function today() is not supported here'),
    ("${zzz} = 'yes'", 'unknown question ${zzz}'),
    ("${a} = 'maybe'", "compare it with 'yes' or 'no'"),
    ('${a} = ${d}', 'comparing two questions'),
    ("${d} = 'x' and", 'ends too early'),
    ("${d} = 'x", 'unterminated string'),
    ('/data/a = 1', 'paths are not supported'),
    ('. > 1', "'.' is only allowed in constraints"),
])
def test_unmappable_relevant_expressions_are_refused(tmp_path, expression, reason):
    survey = survey_rows(['begin group', 's', 'S'], ['select_one yn', 'a', 'A'], ['date', 'd', 'D'],
                         ['text', 't', 'T', None, None, expression], ['end group'])
    problems = problems_of(make_form(tmp_path, survey, YES_NO))
    assert places(problems) == [('survey', 5, 'relevant')]
    assert str(problems[0]).startswith(f'survey!row 5, column relevant: cannot map expression "{expression}" (')
    assert reason in problems[0].message


@pytest.mark.parametrize('qtype, constraint, reason', [
    ('decimal', '. > 0', "strict bound ('>') cannot be represented"),
    ('integer', '. != 3', "'!=' is not supported in constraints"),
    ('integer', '. >= 1 and . >= 2', 'more than one lower bound'),
    ('integer', '. < ${n}', 'only . <= ${question}'),
    ('date', '. <= today()', 'function today() is not supported'),
    ('text', 'string-length(.) > 2 or . = 2', "'or' is not allowed here"),
    ('select_one yn', ". = 'yes'", 'constraints are not supported for yes_no'),
    ('select_multiple yn', 'count-selected(.) > ${n}', 'only . <= ${question}'),
    ('integer', 'regex(., "1")', 'only supported for text'),
])
def test_unmappable_constraints_are_refused(tmp_path, qtype, constraint, reason):
    survey = survey_rows(['begin group', 's', 'S'], ['integer', 'n', 'N'],
                         [qtype, 'q', 'Q', None, None, None, constraint], ['end group'])
    problems = problems_of(make_form(tmp_path, survey, YES_NO))
    assert places(problems) == [('survey', 4, 'constraint')]
    assert problems[0].message.startswith(f'cannot map expression "{constraint}" (') and reason in problems[0].message


def test_a_workbook_without_survey_sheet_is_refused(tmp_path):
    problems = problems_of(make_form(tmp_path, None, YES_NO))
    assert places(problems) == [('survey', None, None)]
    assert str(problems[0]) == 'survey: the workbook has no "survey" sheet'


def test_group_structure_errors_are_refused(tmp_path):
    survey = survey_rows(['begin group', 's', 'S'], ['integer', 'n', 'N'], ['end group'], ['end group'],
                         ['begin group', 'open', 'Abierto'], ['integer', 'm', 'M'])
    problems = problems_of(make_form(tmp_path, survey))
    assert places(problems) == [('survey', 5, 'type'), ('survey', 6, 'type')]
    assert problems[0].message == '"end group" without a matching "begin group"'
    assert problems[1].message == 'group "open" is never closed ("end group" is missing)'


@pytest.mark.parametrize('content', [b'not a spreadsheet', b'PK\x03\x04 broken zip', b''])
def test_a_file_that_is_not_an_xlsx_is_refused(tmp_path, content):
    path = tmp_path / 'form.xlsx'
    path.write_bytes(content)
    problems = problems_of(path)
    assert places(problems) == [('workbook', None, None)] and 'not a readable .xlsx file' in problems[0].message
    assert places(problems_of(io.BytesIO(content))) == [('workbook', None, None)]


def test_every_problem_is_reported_at_once_and_no_document_comes_back(tmp_path):
    survey = survey_rows(['integer', 'n', None, 'N only in English', 'maybe'],
                         ['decimal', 'x', 'X', None, None, '${n} * 2', '. < 4'],
                         ['note', 'hello', 'Hola'],
                         ['end group'])
    settings_rows = [['form_title', 'framework', 'score'], ['Sin clave', '{"key": ', None]]
    problems = problems_of(make_form(tmp_path, survey, None, settings_rows))
    assert places(problems) == [
        ('settings', 2, 'form_id'), ('settings', 2, 'framework'),
        ('survey', 5, 'type'),
        ('survey', 2, 'label::Español (es)'), ('survey', 2, 'required'),
        ('survey', 4, 'type'),
        ('survey', 3, 'relevant'), ('survey', 3, 'constraint')]
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(make_form(tmp_path, survey, None, settings_rows, name='again.xlsx'))
    lines = str(caught.value).splitlines()
    assert lines == [str(problem) for problem in problems] and len(lines) == 8
    assert lines[0] == 'settings!row 2, column form_id: missing form_id (the questionnaire key)'
    assert lines[6] == 'survey!row 3, column relevant: cannot map expression "${n} * 2" (arithmetic is not supported)'


def test_export_refuses_what_xlsform_cannot_hold():
    document = copy.deepcopy(UNUSUAL)
    document['sections'][0]['questions'][0]['type'] = 'signature'
    with pytest.raises(ValueError, match="type 'signature'"):
        write_xlsform(document, io.BytesIO())
