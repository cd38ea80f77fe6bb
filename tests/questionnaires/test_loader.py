"""Loading definitions: the reference loads and round-trips; every fault is reported with its place."""
from __future__ import annotations

import copy

import pytest
from questionnaire_factories import definition, one_question, options, question, scored, section, text

import questionnaires
from questionnaires import BUILTIN_FRAMEWORKS, DefinitionError, load


def problems_of(document: dict) -> list[questionnaires.Problem]:
    """Load ``document`` expecting failure; return its problems."""
    with pytest.raises(DefinitionError) as caught:
        load(document)
    return caught.value.problems


def test_the_reference_questionnaire_loads_with_44_questions(reference):
    assert reference.key == 'pnat-officials'
    assert len(reference.questions) == 44
    assert [section.axis for section in reference.sections] == [None, 'governance', 'prevention', 'prosecution',
                                                                 'protection']
    assert reference.framework is BUILTIN_FRAMEWORKS['pnat-2017-2021']


def test_the_reference_round_trips_through_to_document(reference):
    document = reference.to_document()
    again = load(document)
    assert again == reference
    assert again.to_document() == document
    assert again.fingerprint == reference.fingerprint


def test_helpers_find_questions_and_their_sections(reference):
    assert reference.question('cases_judicialized').max_ref == 'cases_registered'
    assert reference.section_of('cases_judicialized').key == 'prosecution'
    assert reference.questions[reference.position('institution_other')].key == 'institution_other'
    assert reference.question('budget_pim_pen').extra['pnat_link'].startswith('PNAT')
    with pytest.raises(KeyError):
        reference.question('nope')


def test_informational_keys_are_kept(reference, reference_document):
    assert reference.extra['reporting_period']['start'] == '2018-01-01'
    assert reference.to_document()['reporting_period'] == reference_document['reporting_period']


def test_spelled_out_defaults_do_not_change_the_fingerprint():
    plain = load(one_question('text'))
    explicit = load(one_question('text', required=False, max=500))
    assert plain == explicit
    assert plain.fingerprint == explicit.fingerprint
    assert 'max' not in plain.to_document()['sections'][0]['questions'][0]
    assert load(one_question('text', max=501)).fingerprint != plain.fingerprint


def test_objects_are_immutable_and_hashable(reference):
    with pytest.raises(AttributeError):
        reference.key = 'other'  # type: ignore[misc]
    assert hash(reference) == hash(load(reference.to_document()))


def test_an_inline_framework_is_accepted_and_round_trips():
    framework = {'key': 'pn-2030', 'name': text('Política Nacional al 2030', 'National Policy to 2030'),
                 'axes': [{'key': 'op1', 'name': text('Objetivo 1')}, {'key': 'op2', 'name': text('Objetivo 2')}]}
    loaded = load(definition(section('s', question('q'), axis='op2'), framework=framework))
    assert loaded.framework.axis_keys == ('op1', 'op2')
    assert load(loaded.to_document()) == loaded
    assert questionnaires.score(loaded, {}) == {'op1': None, 'op2': None}


def _choice_matrix(**fields):
    return one_question('matrix', rows=options('r1', 'r2'), cell_type='single_choice', **fields)


def _later_reference():
    return definition(section('s', question('a', show_if={'question': 'b', 'equals': True}), question('b')))


BROKEN = {
    'missing key': (lambda: {k: v for k, v in definition().items() if k != 'key'}, 'missing', 'key'),
    'bad key': (lambda: definition(key='Bad Key'), 'bad_key', 'key'),
    'format 2': (lambda: definition(format=2), 'bad_value', 'format'),
    'unknown framework': (lambda: definition(framework='pnat-1999'), 'unknown_framework', 'framework'),
    'builtin framework redefined': (
        lambda: definition(framework={'key': 'pnat-2017-2021', 'name': text('x'),
                                      'axes': [{'key': 'governance', 'name': text('g')}]}),
        'bad_value', 'framework / key'),
    'duplicate section': (lambda: definition(section('a', question('q1')), section('a', question('q2'))),
                          'duplicate_key', 'sections[1] (a) / key'),
    'duplicate question': (lambda: definition(section('a', question('q1')), section('b', question('q1'))),
                           'duplicate_key', 'sections[1] (b) / question q1 / key'),
    'question key with __': (lambda: definition(section('a', question('q__x'))), 'bad_key',
                             'sections[0] (a) / question q__x / key'),
    'missing question key': (lambda: definition(section('a', {'type': 'yes_no', 'text': text('x')})),
                             'missing', 'sections[0] (a) / questions[0] / key'),
    'unknown type': (lambda: one_question('slider'), 'unknown_type', 'sections[0] (main) / question q / type'),
    'single choice without options': (lambda: one_question('single_choice', options=[]), 'no_options',
                                      'question q / options'),
    'multiple choice without options': (
        lambda: definition(section('main', {'key': 'q', 'type': 'multiple_choice', 'text': text('x')})),
        'no_options', 'question q / options'),
    'matrix without options': (_choice_matrix, 'no_options', 'question q / options'),
    'option value twice': (lambda: one_question('single_choice', options=options('a', 'b', 'a')),
                           'duplicate_value', 'question q / options[2] / value'),
    'integer min > max': (lambda: one_question('integer', min=5, max=1), 'min_gt_max', 'question q / min'),
    'date min > max': (lambda: one_question('date', min='2020-01-01', max='2019-01-01'), 'min_gt_max',
                       'question q / min'),
    'bad date bound': (lambda: one_question('date', min='2020-02-30'), 'bad_value', 'question q / min'),
    'text min > default max': (lambda: one_question('text', min=600), 'min_gt_max', 'question q / min'),
    'cell_min > cell_max': (
        lambda: one_question('matrix', rows=options('r'), columns=options('c'), cell_type='integer', cell_min=3,
                             cell_max=1),
        'min_gt_max', 'question q / cell_min'),
    'likert without max': (lambda: one_question('likert', min=1), 'missing', 'question q / max'),
    'likert option outside scale': (lambda: one_question('likert', min=1, max=3, options=options(1, 4)),
                                    'bad_value', 'question q / options[1]'),
    'show_if unknown question': (
        lambda: definition(section('s', question('a', show_if={'question': 'ghost', 'equals': True}))),
        'unknown_question', 'sections[0] (s) / question a / show_if'),
    'show_if later question': (_later_reference, 'forward_reference', 'question a / show_if'),
    'show_if itself': (lambda: definition(section('s', question('a', show_if={'question': 'a', 'equals': True}))),
                       'circular', 'question a / show_if'),
    'show_if unknown operator': (
        lambda: definition(section('s', question('a'), question('b', show_if={'question': 'a', 'is': True}))),
        'bad_condition', 'question b / show_if'),
    'show_if two operators': (
        lambda: definition(section('s', question('a', 'integer'),
                                   question('b', show_if={'question': 'a', 'gt': 1, 'lt': 5}))),
        'bad_condition', 'question b / show_if'),
    'show_if in without list': (
        lambda: definition(section('s', question('a', 'single_choice'),
                                   question('b', show_if={'question': 'a', 'in': 'a'}))),
        'bad_condition', 'question b / show_if / in'),
    'show_if empty all': (lambda: definition(section('s', question('a'), question('b', show_if={'all': []}))),
                          'bad_condition', 'question b / show_if / all'),
    'show_if value not an option': (
        lambda: definition(section('s', question('a', 'single_choice'),
                                   question('b', show_if={'question': 'a', 'equals': 'zzz'}))),
        'unknown_option', 'question b / show_if / equals'),
    'show_if yes_no compared with text': (
        lambda: definition(section('s', question('a'), question('b', show_if={'question': 'a', 'equals': 'yes'}))),
        'bad_condition', 'question b / show_if / equals'),
    'show_if nested fault': (
        lambda: definition(section('s', question('a'), question('b', show_if={
            'any': [{'question': 'a', 'equals': True}, {'not': {'question': 'zz', 'equals': True}}]}))),
        'unknown_question', 'question b / show_if / any[1] / not'),
    'selected on single choice': (
        lambda: definition(section('s', question('a', 'single_choice'),
                                   question('b', show_if={'question': 'a', 'selected': 'a'}))),
        'selected_not_multiple', 'question b / show_if / selected'),
    'equals on multiple choice': (
        lambda: definition(section('s', question('a', 'multiple_choice'),
                                   question('b', show_if={'question': 'a', 'equals': 'a'}))),
        'bad_condition', 'question b / show_if / equals'),
    'show_if on a matrix': (
        lambda: definition(section('s', question('a', 'matrix', rows=options('r'), cell_type='single_choice',
                                                 options=options('x')),
                                   question('b', show_if={'question': 'a', 'equals': 'x'}))),
        'bad_condition', 'question b / show_if'),
    'unknown axis': (lambda: definition(section('s', question('q'), axis='health')), 'unknown_axis',
                     'sections[0] (s) / axis'),
    'score on text': (lambda: scored('text', {'weight': 1, 'method': 'boolean'}), 'unscorable_type',
                      'question q / score'),
    'score on integer matrix': (
        lambda: scored('matrix', {'weight': 1, 'method': 'matrix_mean'}, rows=options('r'), columns=options('c'),
                       cell_type='integer'),
        'unscorable_type', 'question q / score'),
    'method not for type': (lambda: scored('integer', {'weight': 1, 'method': 'boolean'}), 'bad_method',
                            'question q / score / method'),
    'unknown method': (lambda: scored('yes_no', {'weight': 1, 'method': 'magic'}), 'bad_method',
                       'question q / score / method'),
    'weight zero': (lambda: scored('yes_no', {'weight': 0, 'method': 'boolean'}), 'bad_score',
                    'question q / score / weight'),
    'bad if_hidden': (lambda: scored('yes_no', {'weight': 1, 'method': 'boolean', 'if_hidden': 'skip'}),
                      'bad_score', 'question q / score / if_hidden'),
    'points above 1': (
        lambda: scored('single_choice', {'weight': 1, 'method': 'option_points', 'points': {'a': 1.5, 'b': 0,
                                                                                             'c': 0}}),
        'bad_score', 'question q / score / points / a'),
    'points for an unknown option': (
        lambda: scored('single_choice', {'weight': 1, 'method': 'option_points',
                                         'points': {'a': 1, 'b': 0, 'c': 0, 'z': 1}}),
        'unknown_option', 'question q / score / points / z'),
    'option without points': (
        lambda: scored('single_choice', {'weight': 1, 'method': 'option_points', 'points': {'a': 1}}),
        'missing_points', 'question q / score / points'),
    'threshold with gte and gt': (
        lambda: scored('integer', {'weight': 1, 'method': 'threshold',
                                   'thresholds': [{'gte': 1, 'gt': 2, 'points': 1}]}),
        'bad_score', 'question q / score / thresholds[0]'),
    'ratio denominator unknown': (
        lambda: scored('integer', {'weight': 1, 'method': 'ratio', 'denominator': 'ghost',
                                   'thresholds': [{'gt': 0, 'points': 1}]}),
        'unknown_question', 'question q / score / denominator'),
    'ratio denominator later': (
        lambda: definition(section('s', question('q', 'integer', score={
            'weight': 1, 'method': 'ratio', 'denominator': 'd', 'thresholds': [{'gt': 0, 'points': 1}]}),
            question('d', 'integer'), axis='governance')),
        'forward_reference', 'question q / score / denominator'),
    'ratio denominator not numeric': (
        lambda: scored('integer', {'weight': 1, 'method': 'ratio', 'denominator': 'd',
                                   'thresholds': [{'gt': 0, 'points': 1}]}, question('d', 'text')),
        'bad_score', 'question q / score / denominator'),
    'score without axis': (lambda: scored('yes_no', {'weight': 1, 'method': 'boolean'}, axis=None),
                           'score_without_axis', 'question q / score'),
    'max_ref unknown': (lambda: one_question('integer', max_ref='ghost'), 'unknown_question',
                        'question q / max_ref'),
    'max_ref not numeric': (lambda: definition(section('s', question('t', 'text'),
                                                       question('q', 'integer', max_ref='t'))),
                            'bad_max_ref', 'question q / max_ref'),
    'max_ref itself': (lambda: one_question('integer', max_ref='q'), 'circular', 'question q / max_ref'),
    'bad pattern': (lambda: one_question('text', pattern='[a-'), 'bad_pattern', 'question q / pattern'),
    'unknown question field': (lambda: one_question('yes_no', colour='red'), 'unknown_field',
                               'question q / colour'),
    'unknown top-level field': (lambda: definition(owner='me'), 'unknown_field', 'owner'),
    'unknown section field': (lambda: definition(section('s', question('q'), colour='red')), 'unknown_field',
                              'sections[0] (s) / colour'),
    'field of another type': (lambda: one_question('integer', options=options('a')), 'not_applicable',
                              'question q / options'),
    'text without es': (lambda: one_question('yes_no', text={'en': 'Only English'}), 'missing_es',
                        'question q / text'),
    'exclusive option unknown': (lambda: one_question('multiple_choice', exclusive_options=['none']),
                                 'unknown_option', 'question q / exclusive_options'),
    'no sections': (lambda: definition(sections=[]), 'empty', 'sections'),
    'bad reporting period': (lambda: definition(reporting_period={'start': '2018-12-31', 'end': '2018-01-01'}),
                             'min_gt_max', 'reporting_period / start'),
}


@pytest.mark.parametrize('name', list(BROKEN))
def test_each_broken_definition_reports_its_problem_and_place(name):
    build, code, place = BROKEN[name]
    found = problems_of(build())
    assert any(problem.code == code and problem.place.endswith(place) for problem in found), found


def test_a_later_reference_in_the_reference_is_placed_precisely(reference_document):
    document = copy.deepcopy(reference_document)
    judicialized = document['sections'][3]['questions'][3]
    judicialized['show_if'] = {'question': 'inspection_actions', 'gt': 0}
    [problem] = problems_of(document)
    assert problem.place == 'sections[3] (prosecution) / question cases_judicialized / show_if'
    assert problem.code == 'forward_reference'


def test_many_faults_are_all_reported_in_one_pass():
    document = definition(
        section('s', question('a', 'slider'), question('b', 'single_choice', options=[]),
                question('c', 'integer', min=9, max=1, max_ref='ghost'),
                question('d', show_if={'question': 'e', 'equals': True}), question('e', text={'en': 'x'}),
                question('d', colour='red'), axis='nowhere'),
        section('s', question('f', 'text', pattern='(', score={'weight': 1, 'method': 'boolean'})),
        framework='pnat-2017-2021', format=7)
    found = problems_of(document)
    codes = {problem.code for problem in found}
    assert codes >= {'unknown_type', 'no_options', 'min_gt_max', 'unknown_question', 'forward_reference',
                     'missing_es', 'duplicate_key', 'unknown_field', 'unknown_axis', 'bad_pattern',
                     'unscorable_type', 'bad_value'}
    message = str(DefinitionError(found))
    assert len(message.splitlines()) == len(found) >= 12


def test_a_non_mapping_is_refused():
    assert problems_of(['not', 'a', 'mapping'])[0].code == 'wrong_type'
