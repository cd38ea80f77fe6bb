"""show_if: every operator, combinations, hidden chains, and the readable form used by the builder."""
from __future__ import annotations

import pytest
from questionnaire_factories import definition, options, question, section

from questionnaires import load, visible_keys
from questionnaires.conditions import Combine, Compare, Not, parse_condition
from questionnaires.problems import Problems


def with_condition(condition: dict):
    """A questionnaire: choice ``c``, multiple ``m``, yes/no ``y``, integer ``n``, date ``d``, then ``t`` shown if."""
    return load(definition(section(
        's',
        question('c', 'single_choice', options=options('a', 'b', 'other')),
        question('m', 'multiple_choice', options=options('x', 'y', 'z')),
        question('y'),
        question('n', 'integer'),
        question('d', 'date'),
        question('t', 'text', show_if=condition),
    )))


ANSWERS = {'c': 'other', 'm': ['x', 'z'], 'y': False, 'n': 5, 'd': '2018-06-30'}

CASES = [
    ({'question': 'c', 'equals': 'other'}, True),
    ({'question': 'c', 'equals': 'a'}, False),
    ({'question': 'c', 'not_equals': 'a'}, True),
    ({'question': 'c', 'not_equals': 'other'}, False),
    ({'question': 'y', 'equals': False}, True),
    ({'question': 'y', 'equals': True}, False),
    ({'question': 'n', 'gt': 4}, True),
    ({'question': 'n', 'gt': 5}, False),
    ({'question': 'n', 'gte': 5}, True),
    ({'question': 'n', 'lt': 5}, False),
    ({'question': 'n', 'lte': 5}, True),
    ({'question': 'n', 'equals': 5}, True),
    ({'question': 'd', 'gte': '2018-01-01'}, True),
    ({'question': 'd', 'lt': '2018-06-30'}, False),
    ({'question': 'c', 'in': ['a', 'other']}, True),
    ({'question': 'c', 'in': ['a', 'b']}, False),
    ({'question': 'm', 'selected': 'z'}, True),
    ({'question': 'm', 'selected': 'y'}, False),
    ({'all': [{'question': 'n', 'gt': 1}, {'question': 'c', 'equals': 'other'}]}, True),
    ({'all': [{'question': 'n', 'gt': 1}, {'question': 'c', 'equals': 'a'}]}, False),
    ({'any': [{'question': 'n', 'gt': 100}, {'question': 'm', 'selected': 'x'}]}, True),
    ({'any': [{'question': 'n', 'gt': 100}, {'question': 'm', 'selected': 'y'}]}, False),
    ({'not': {'question': 'y', 'equals': True}}, True),
    ({'not': {'question': 'y', 'equals': False}}, False),
    ({'all': [{'not': {'question': 'c', 'in': ['a', 'b']}},
              {'any': [{'question': 'y', 'equals': True}, {'question': 'd', 'lte': '2018-12-31'}]}]}, True),
]


@pytest.mark.parametrize(('condition', 'shown'), CASES)
def test_each_operator_decides_visibility(condition, shown):
    questionnaire = with_condition(condition)
    assert ('t' in visible_keys(questionnaire, ANSWERS)) is shown


@pytest.mark.parametrize('condition', [
    {'question': 'c', 'equals': 'other'},
    {'question': 'c', 'not_equals': 'a'},
    {'question': 'n', 'lt': 100},
    {'question': 'm', 'selected': 'x'},
])
def test_a_condition_on_an_unanswered_question_is_false(condition):
    questionnaire = with_condition(condition)
    assert 't' not in visible_keys(questionnaire, {})
    negated = with_condition({'not': condition})
    assert 't' in visible_keys(negated, {})


def test_invalid_answers_count_as_unanswered():
    questionnaire = with_condition({'question': 'n', 'gt': 1})
    assert 't' not in visible_keys(questionnaire, {'n': 'five'})
    assert 't' not in visible_keys(questionnaire, {'n': True})


def test_a_hidden_chain_hides_every_link():
    questionnaire = load(definition(section(
        's',
        question('a'),
        question('b', show_if={'question': 'a', 'equals': True}),
        question('c', 'integer', show_if={'question': 'b', 'equals': True}),
        question('d', show_if={'question': 'c', 'gte': 0}),
        question('e', show_if={'not': {'question': 'b', 'equals': True}}),
    )))
    everything = {'a': True, 'b': True, 'c': 1, 'd': True, 'e': True}
    assert visible_keys(questionnaire, everything) == {'a', 'b', 'c', 'd'}
    # Answering "no" to a hides b; b's stale answer must not keep c and d visible.
    assert visible_keys(questionnaire, {**everything, 'a': False}) == {'a', 'e'}


def test_conditions_across_sections_use_earlier_pages():
    questionnaire = load(definition(
        section('one', question('works_with_victims')),
        section('two', question('shelters', 'integer', show_if={'question': 'works_with_victims', 'equals': True}))))
    assert 'shelters' in visible_keys(questionnaire, {'works_with_victims': True})
    assert 'shelters' not in visible_keys(questionnaire, {'works_with_victims': False})


def test_booleans_never_equal_numbers():
    leaf = Compare('n', 'equals', 1)
    assert not leaf.evaluate({'n': True}, {'n'})
    assert leaf.evaluate({'n': 1.0}, {'n'})


def test_question_keys_lists_references_once_in_order():
    condition = Combine('all', (Compare('b', 'equals', 1), Not(Compare('a', 'gt', 2)), Compare('b', 'lt', 9)))
    assert condition.question_keys() == ('b', 'a')


@pytest.mark.parametrize(('condition', 'spanish', 'english'), [
    ({'question': 'institution', 'equals': 'other'}, 'institution = other', 'institution = other'),
    ({'question': 'member', 'equals': True}, 'member = sí', 'member = yes'),
    ({'question': 'n', 'gte': 3}, 'n ≥ 3', 'n ≥ 3'),
    ({'question': 'c', 'in': ['a', 'b']}, 'c es uno de (a, b)', 'c is one of (a, b)'),
    ({'question': 'm', 'selected': 'x'}, 'm incluye x', 'm includes x'),
    ({'all': [{'question': 'a', 'equals': 1}, {'any': [{'question': 'b', 'lt': 2}, {'question': 'c', 'gt': 3}]}]},
     'a = 1 y (b < 2 o c > 3)', 'a = 1 and (b < 2 or c > 3)'),
    ({'not': {'question': 'y', 'not_equals': False}}, 'no (y ≠ no)', 'not (y ≠ no)'),
])
def test_describe_reads_like_a_sentence(condition, spanish, english):
    parsed = parse_condition(condition, 'show_if', Problems())
    assert parsed.describe('es') == spanish
    assert parsed.describe('en') == english
    assert parsed.to_document() == condition
