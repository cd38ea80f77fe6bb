"""Scoring: every method, exclusions versus zeros, and a hand-computed reference index."""
from __future__ import annotations

import pytest
from questionnaire_factories import definition, options, question, scored, section

from questionnaires import check_answers, load, overall, score, score_details

THRESHOLDS = [{'gte': 10, 'points': 1}, {'gt': 2, 'points': 0.5}]


def governance(document: dict, answers: dict) -> float | None:
    """The governance index of ``answers`` for ``document``."""
    return score(load(document), answers)['governance']


def detail(document: dict, answers: dict, key: str = 'q'):
    """The score detail of question ``key``."""
    return next(item for item in score_details(load(document), answers) if item.key == key)


def test_boolean_gives_one_or_zero():
    document = scored('yes_no', {'weight': 2, 'method': 'boolean'})
    assert governance(document, {'q': True}) == 100
    assert governance(document, {'q': False}) == 0
    assert governance(document, {}) is None


def test_option_points_and_excluded_values():
    document = scored('single_choice', {'weight': 1, 'method': 'option_points', 'points': {'a': 1, 'b': 0.25},
                                        'exclude_values': ['c']})
    assert governance(document, {'q': 'b'}) == 25
    assert governance(document, {'q': 'c'}) is None
    assert (detail(document, {'q': 'c'}).status, detail(document, {'q': 'c'}).reason) == ('excluded',
                                                                                          'excluded_value')


def test_option_points_on_a_likert_scale_use_integer_keys():
    document = scored('likert', {'weight': 1, 'method': 'option_points', 'points': {'1': 0, '2': 0.5, '3': 1}},
                      min=1, max=3)
    assert governance(document, {'q': 2}) == 50
    assert load(load(document).to_document()) == load(document)


def test_count_selected_caps_and_ignores_excluded_options():
    document = scored('multiple_choice', {'weight': 1, 'method': 'count_selected', 'cap': 2,
                                          'exclude_options': ['none']},
                      options=options('a', 'b', 'c', 'none'))
    assert governance(document, {'q': ['a']}) == 50
    assert governance(document, {'q': ['a', 'b', 'c']}) == 100
    assert governance(document, {'q': ['none']}) == 0


def test_count_selected_without_cap_counts_against_all_options():
    document = scored('multiple_choice', {'weight': 1, 'method': 'count_selected'}, options=options('a', 'b', 'c',
                                                                                                   'd'))
    assert governance(document, {'q': ['a']}) == 25


@pytest.mark.parametrize(('answer', 'index'), [(0, 0), (2, 0), (3, 50), (9.99, 50), (10, 100), (500, 100)])
def test_threshold_first_matching_rule_wins(answer, index):
    document = scored('decimal', {'weight': 1, 'method': 'threshold', 'thresholds': THRESHOLDS})
    assert governance(document, {'q': answer}) == index


def ratio_document(on_zero: str) -> dict:
    return scored('integer', {'weight': 1, 'method': 'ratio', 'denominator': 'total', 'thresholds': THRESHOLDS,
                              'on_zero_denominator': on_zero},
                  question('total', 'integer'), question('other', score={'weight': 1, 'method': 'boolean'}))


def test_ratio_divides_by_the_denominator_answer():
    assert governance(ratio_document('zero'), {'total': 4, 'q': 40, 'other': True}) == 100
    assert governance(ratio_document('zero'), {'total': 4, 'q': 12, 'other': True}) == 75


def test_ratio_with_zero_denominator_counts_zero_or_is_excluded():
    answers = {'total': 0, 'q': 5, 'other': True}
    assert governance(ratio_document('zero'), answers) == 50
    assert detail(ratio_document('zero'), answers).status == 'zero'
    assert governance(ratio_document('exclude'), answers) == 100
    assert (detail(ratio_document('exclude'), answers).status,
            detail(ratio_document('exclude'), answers).reason) == ('excluded', 'zero_denominator')


def test_ratio_without_a_denominator_answer_is_excluded():
    assert detail(ratio_document('zero'), {'q': 5}).reason == 'no_denominator'


def test_linear_spreads_a_likert_scale_over_zero_to_one():
    document = scored('likert', {'weight': 1, 'method': 'linear'}, min=1, max=5)
    assert [governance(document, {'q': value}) for value in (1, 2, 3, 5)] == [0, 25, 50, 100]


def test_matrix_mean_skips_excluded_cells():
    document = scored('matrix', {'weight': 1, 'method': 'matrix_mean',
                                 'column_points': {'never': 0, 'often': 0.5, 'formal': 1}, 'exclude_values': ['na']},
                      rows=options('r1', 'r2', 'r3'), cell_type='single_choice',
                      options=options('never', 'often', 'formal', 'na'))
    assert governance(document, {'q': {'r1': 'formal', 'r2': 'often', 'r3': 'na'}}) == 75
    assert governance(document, {'q': {'r1': 'na'}}) is None


def hidden_document(if_hidden: str) -> dict:
    return definition(section(
        'main',
        question('member', score={'weight': 1, 'method': 'boolean'}),
        question('sessions', 'integer', show_if={'question': 'member', 'equals': True},
                 score={'weight': 1, 'method': 'threshold', 'thresholds': THRESHOLDS, 'if_hidden': if_hidden}),
        axis='governance'))


def test_if_hidden_exclude_leaves_the_question_out():
    assert governance(hidden_document('exclude'), {'member': False}) == 0
    assert governance(hidden_document('exclude'), {'member': True, 'sessions': 10}) == 100
    assert detail(hidden_document('exclude'), {'member': False}, 'sessions').status == 'excluded'


def test_if_hidden_zero_counts_the_missing_prerequisite_as_zero():
    document = hidden_document('zero')
    answers = {'member': True}
    assert governance(document, answers) == 100  # shown but unanswered: excluded
    assert governance(document, {'member': False, 'sessions': 10}) == 0
    item = detail(document, {'member': False, 'sessions': 10}, 'sessions')
    assert (item.status, item.points, item.weight, item.reason) == ('zero', 0.0, 1, 'hidden')


def test_weights_apply_and_invalid_answers_are_ignored():
    document = definition(section(
        'main', question('a', score={'weight': 3, 'method': 'boolean'}),
        question('b', score={'weight': 1, 'method': 'boolean'}), axis='prevention'))
    assert score(load(document), {'a': True, 'b': False})['prevention'] == 75
    assert score(load(document), {'a': 'yes', 'b': True})['prevention'] == 100


def test_overall_needs_every_axis():
    assert overall({'a': 50, 'b': 100}) == 75
    assert overall({'a': 50, 'b': None}) is None
    assert overall({}) is None


COORDINATION = {'pnp': 'formal', 'mpfn': 'frequent', 'pj': 'occasional', 'mimp': 'never', 'gore': 'not_applicable',
                'muni': 'not_applicable', 'dp': 'formal', 'labour': 'never', 'migraciones': 'never',
                'education_health': 'occasional', 'civil_society': 'frequent'}
FULL_ANSWERS = {
    'institution': 'mpfn', 'government_level': 'national_deconcentrated', 'region': 'cusco', 'role': 'prosecutor',
    'months_in_role': 18,
    'focal_unit_designated': True, 'member_antitrafficking_body': True, 'sessions_attended': 4,
    'plan_status': 'approved_expired', 'budget_pim_pen': 1000, 'budget_executed_pen': 700,
    'budget_sources': ['pp_0030', 'cooperation'], 'case_registry': 'manual', 'coordination_matrix': COORDINATION,
    'prevention_actions': ['media_campaign', 'school_sessions'], 'prevention_activities_count': 5,
    'people_reached': 150, 'officials_trained': 25, 'training_topics': ['victim_identification'],
    'high_risk_focus': False, 'results_measured': True, 'population_knowledge': 2,
    'enforcement_competence': True, 'cases_registered': 40,
    'victims_matrix': {row: dict.fromkeys(('women', 'men', 'girls', 'boys'), 1)
                       for row in ('sexual', 'labour', 'begging', 'child_sale', 'organs', 'undetermined')},
    'cases_judicialized': 6, 'specialized_unit': 'prosecutor_only', 'joint_operations': 0, 'inspection_actions': 2,
    'police_prosecutor_coordination': 3,
    'direct_services': False, 'victims_attended': 99, 'shelter_availability': 'dont_know', 'protocol_exists': False,
    'protocol_applied_cases': 7, 'referral_quality': 5,
}


def test_a_full_reference_answer_set_gives_the_hand_computed_indices(reference):
    assert check_answers(reference, FULL_ANSWERS).errors == []
    scores = score(reference, FULL_ANSWERS)
    # governance, weights 2+2+1+2+3+2+2+2 = 16: focal 2*1, member 2*1, sessions 4 -> 1*0.6, plan expired 2*0.4,
    # budget > 0 3*1, executed 700/1000 = 0.7 -> 2*0.6, manual registry 2*0.3,
    # matrix mean over 9 applicable cells (1+.66+.33+0+1+0+0+.33+.66)/9 -> 2*0.44222
    governance = 2 + 2 + 0.6 + 0.8 + 3 + 1.2 + 0.6 + 2 * 3.98 / 9
    assert scores['governance'] == pytest.approx(100 * governance / 16)
    # prevention, weights 2+2+1+2+2+1+1 = 11: 2 of cap 4 -> 2*0.5, 5 activities 2*0.6, 150 people 1*0.5,
    # 25 trained 2*1, no high-risk focus 2*0, measured 1*1, likert 2 of 1..5 -> 1*0.25
    assert scores['prevention'] == pytest.approx(100 * 5.95 / 11)
    # prosecution, weights 2+3+2+1 = 8: 6/40 = 0.15 -> 2*0.6, prosecutor only 3*0.6, no operations 2*0, likert 3 1*0.5
    assert scores['prosecution'] == pytest.approx(43.75)
    # protection: no direct services hides three scored questions (excluded); shelter "don't know" is excluded;
    # no protocol 3*0 and its hidden follow-up counts zero 1*0; referral 5 -> 1*1: 100 * 1 / 5
    assert scores['protection'] == pytest.approx(20.0)
    assert list(scores) == ['governance', 'prevention', 'prosecution', 'protection']
    assert overall(scores) == pytest.approx((100 * governance / 16 + 100 * 5.95 / 11 + 43.75 + 20) / 4)


def test_score_details_explain_each_scored_question(reference):
    details = {item.key: item for item in score_details(reference, FULL_ANSWERS)}
    assert len(details) == 25
    assert (details['services_offered'].status, details['services_offered'].reason) == ('excluded', 'hidden')
    assert (details['protocol_applied_cases'].status, details['protocol_applied_cases'].points) == ('zero', 0.0)
    assert (details['shelter_availability'].status, details['shelter_availability'].reason) == ('excluded',
                                                                                                'excluded_value')
    assert (details['joint_operations'].status, details['joint_operations'].points) == ('scored', 0.0)
    assert details['cases_judicialized'].axis == 'prosecution'
