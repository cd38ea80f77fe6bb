"""Cross-question rules declared in the definition as warnings (shown, never blocking) or errors (blocking)."""
from __future__ import annotations

import pytest
from questionnaire_factories import definition, question, section

from questionnaires import DefinitionError, check_answers, diff, load


def cases_and_money(severity: str | None = None):
    """Cases brought to court <= cases reported (a warning) and money spent <= budget (*severity* if given)."""
    spent = {'max_ref': 'budget', **({'max_ref_severity': severity} if severity else {})}
    return definition(section(
        'numbers',
        question('reported', 'integer', min=0),
        question('judicialized', 'integer', min=0, max_ref='reported', max_ref_severity='warning'),
        question('budget', 'currency'),
        question('spent', 'currency', **spent)))


def test_a_warning_rule_is_shown_and_an_error_rule_blocks():
    questionnaire = load(cases_and_money('error'))
    result = check_answers(questionnaire, {'reported': 12, 'judicialized': 30, 'budget': 100, 'spent': 150})
    assert [(w.key, w.code) for w in result.warnings] == [('judicialized', 'max_ref')]
    assert [(e.key, e.code, e.params['other']) for e in result.errors] == [('spent', 'max_ref', 'budget')]
    assert not result.ok
    # Within the rules, nothing is said.
    fine = check_answers(questionnaire, {'reported': 12, 'judicialized': 3, 'budget': 100, 'spent': 100})
    assert fine.ok and fine.warnings == []


def test_without_a_declared_severity_max_ref_stays_a_warning():
    result = check_answers(load(cases_and_money()), {'budget': 100, 'spent': 150})
    assert result.ok and [(w.key, w.code) for w in result.warnings] == [('spent', 'max_ref')]


def test_the_severity_round_trips_and_shows_in_a_diff():
    strict = load(cases_and_money('error'))
    document = strict.to_document()
    spent = next(q for s in document['sections'] for q in s['questions'] if q['key'] == 'spent')
    judicialized = next(q for s in document['sections'] for q in s['questions'] if q['key'] == 'judicialized')
    assert spent['max_ref_severity'] == 'error' and 'max_ref_severity' not in judicialized  # the default is left out
    assert load(document) == strict
    changes = diff(load(cases_and_money()), strict)
    assert 'spent' in str(changes)


@pytest.mark.parametrize(('fields', 'code'), [
    ({'max_ref': 'budget', 'max_ref_severity': 'fatal'}, 'bad_value'),
    ({'max_ref_severity': 'error'}, 'bad_max_ref'),
])
def test_the_loader_rejects_an_unknown_severity_or_one_without_max_ref(fields, code):
    doc = definition(section('numbers', question('budget', 'currency'), question('spent', 'currency', **fields)))
    with pytest.raises(DefinitionError) as caught:
        load(doc)
    assert code in [problem.code for problem in caught.value.problems]
