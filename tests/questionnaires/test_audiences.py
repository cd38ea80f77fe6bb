"""Respondent kinds: a section or question addressed to State officials or to civil society only.

A civil-society member is never asked for their office's budget, and a question not asked is not a zero.
"""
from __future__ import annotations

import io

import pytest
from questionnaire_factories import definition, question, section

import questionnaires
from questionnaires import DefinitionError, load
from questionnaires.xlsform import read_xlsform, write_xlsform
from tests.sector_support import sectored_document

#: prevention answers: 2 of 4 actions (0.5 x 2), 12 activities (1 x 2), 3400 reached (1 x 1), 40 trained (1 x 2),
#: high-risk focus yes (1 x 2), results measured no (0 x 1); population knowledge 3 on 1..5 ((3-1)/4 = 0.5 x 1)
PREVENTION = {'prevention_actions': ['media_campaign', 'school_sessions'], 'prevention_activities_count': 12,
              'people_reached': 3400, 'officials_trained': 40, 'high_risk_focus': True, 'results_measured': False,
              'population_knowledge': 3}
#: governance answers: focal unit yes (1 x 2), member no (0 x 2), sessions hidden, if_hidden zero (0 x 1),
#: plan none (0 x 2), budget 0 (0 x 3), executed 0 of 0 (zero denominator counts 0 x 2), no registry (0 x 2),
#: coordination all formal (1 x 2): 4 of 16 = 25
GOVERNANCE = {'focal_unit_designated': True, 'member_antitrafficking_body': False, 'plan_status': 'none',
              'budget_pim_pen': 0, 'budget_executed_pen': 0, 'budget_sources': ['pp_0030'], 'case_registry': 'none'}


def governance_answers(q: questionnaires.Questionnaire) -> dict:
    """GOVERNANCE plus every coordination row answered 'formal'."""
    rows = q.question('coordination_matrix').rows
    return {**GOVERNANCE, 'coordination_matrix': {row.value: 'formal' for row in rows}}


@pytest.fixture
def pnat() -> questionnaires.Questionnaire:
    """The reference questionnaire with governance for the State and population knowledge for civil society."""
    return load(sectored_document())


def test_a_civil_member_never_sees_the_state_section_and_a_state_official_never_the_civil_question(pnat):
    civil, state = pnat.for_sector('civil'), pnat.for_sector('state')
    assert [item.key for item in civil.sections] == ['profile', 'prevention', 'prosecution', 'protection']
    assert 'population_knowledge' in {q.key for q in civil.questions}
    assert not {q.key for q in civil.questions} & {q.key for q in pnat.section('governance').questions}
    assert 'governance' in [item.key for item in state.sections]
    assert 'population_knowledge' not in {q.key for q in state.questions}
    assert pnat.audience_of('budget_pim_pen') == 'state'
    assert pnat.audience_of('population_knowledge') == 'civil'
    assert pnat.audience_of('institution') is None
    # One view per sector, built once.
    assert pnat.for_sector('civil') is civil
    assert pnat.for_sector(None) is pnat


def test_a_questionnaire_for_everyone_is_its_own_view(reference):
    assert reference.for_sector('civil') is reference
    with pytest.raises(ValueError):
        load(sectored_document()).for_sector('press')


def test_an_unasked_question_is_not_required_and_never_kept(pnat):
    civil = pnat.for_sector('civil')
    forged = {**PREVENTION, 'budget_pim_pen': 5000, 'focal_unit_designated': True}
    check = questionnaires.check_answers(civil, forged, keys=[q.key for q in civil.section('prevention').questions])
    assert check.ok, check.errors
    assert 'budget_pim_pen' not in check.cleaned and 'focal_unit_designated' not in check.cleaned
    assert 'budget_pim_pen' not in questionnaires.visible_keys(civil, forged)
    with pytest.raises(KeyError):
        questionnaires.parse_form(civil, 'governance', {'budget_pim_pen': ['5000']})
    # The State official is required to answer the governance section.
    state = pnat.for_sector('state')
    required = questionnaires.check_answers(state, {}, keys=[q.key for q in state.section('governance').questions])
    assert 'budget_pim_pen' in {error.key for error in required.errors}


def test_the_index_of_an_axis_not_asked_is_none_not_zero(pnat):
    civil = pnat.for_sector('civil')
    answers = {**PREVENTION, **governance_answers(pnat)}
    scores = questionnaires.score(civil, answers)
    assert scores['governance'] is None
    # 1 + 2 + 1 + 2 + 2 + 0 + 0.5 earned of 2 + 2 + 1 + 2 + 2 + 1 + 1 weight
    assert scores['prevention'] == pytest.approx(100 * 8.5 / 11)
    state = questionnaires.score(pnat.for_sector('state'), answers)
    assert state['governance'] == pytest.approx(25.0)
    assert state['prevention'] == pytest.approx(80.0)        # 8 of 10: population knowledge is not theirs
    assert not {detail.key for detail in questionnaires.score_details(civil, answers)} & {
        q.key for q in pnat.section('governance').questions}


def test_the_overall_index_counts_the_axes_a_sector_is_scored_on(pnat):
    civil = pnat.for_sector('civil')
    scores = {'governance': None, 'prevention': 50.0, 'prosecution': 70.0, 'protection': 60.0}
    assert questionnaires.scored_axes(civil) == ('prevention', 'prosecution', 'protection')
    assert questionnaires.overall(scores) is None
    assert questionnaires.overall(scores, questionnaires.scored_axes(civil)) == pytest.approx(60.0)


def test_the_audience_round_trips_through_documents_xlsform_and_the_fingerprint(pnat, reference):
    assert load(pnat.to_document()) == pnat
    assert pnat.fingerprint != reference.fingerprint
    buffer = io.BytesIO()
    write_xlsform(pnat.to_document(), buffer)
    buffer.seek(0)
    again = load(read_xlsform(buffer))
    assert again == pnat and again.fingerprint == pnat.fingerprint


def test_a_question_repeating_its_sections_audience_is_the_same_questionnaire():
    plain = load(definition(section('s', question('a'), audience='civil')))
    spelled = load(definition(section('s', question('a', audience='civil'), audience='civil')))
    assert plain == spelled and plain.fingerprint == spelled.fingerprint
    assert 'audience' not in spelled.to_document()['sections'][0]['questions'][0]


def _codes(document: dict) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load(document)
    return {problem.code: problem.place for problem in caught.value.problems}


def test_a_question_may_narrow_its_sections_audience_but_not_contradict_it():
    assert load(definition(section('s', question('a', audience='state')))).audience_of('a') == 'state'
    codes = _codes(definition(section('s', question('a', audience='civil'), audience='state')))
    assert codes == {'audience_conflict': 'sections[0] (s) / question a / audience'}
    assert _codes(definition(section('s', question('a', audience='press')))) == {
        'bad_value': 'sections[0] (s) / question a / audience'}
    assert _codes(definition(section('s', question('a'), audience='all'))) == {
        'bad_value': 'sections[0] (s) / audience'}


def test_a_question_cannot_depend_on_one_some_of_its_respondents_are_never_asked():
    codes = _codes(definition(section('s', question('a', audience='state'),
                                      question('b', show_if={'question': 'a', 'equals': True}))))
    assert codes == {'audience_reference': 'sections[0] (s) / question b / show_if'}
    same = definition(section('s', question('a', audience='state'),
                              question('b', audience='state', show_if={'question': 'a', 'equals': True})))
    assert load(same).audience_of('b') == 'state'
    ratio = {'weight': 1, 'method': 'ratio', 'denominator': 'n', 'thresholds': [{'gte': 1, 'points': 1}]}
    codes = _codes(definition(section('s', question('n', 'integer', audience='civil'),
                                      question('m', 'integer', max_ref='n', score=ratio), axis='governance')))
    assert codes == {'audience_reference': 'sections[0] (s) / question m / score / denominator'}


def test_an_audience_change_is_reported_in_both_languages(reference, pnat):
    changes = questionnaires.diff(reference, pnat)
    assert [(c.key, c.kind, c.before, c.after) for c in changes.sections] == [
        ('governance', 'audience_changed', None, 'state')]
    assert [(c.key, c.field_names) for c in changes.changed] == [('population_knowledge', ('audience',))]
    spanish, english = changes.as_text('es'), changes.as_text('en')
    assert '~ governance destinatarios: todos → solo funcionarios del Estado' in spanish
    assert 'destinatarios: todos → solo sociedad civil' in spanish
    assert '~ governance audience: everyone → State officials only' in english
    assert 'audience: everyone → civil society only' in english
