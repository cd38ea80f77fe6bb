"""Property tests: answer checks never crash, hidden answers never count, definitions round-trip."""
from __future__ import annotations

import datetime
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import (
    QUESTION_TYPES,
    check_answers,
    dump_document,
    load,
    parse_form,
    read_document,
    reference_definition_path,
    score,
    visible_keys,
)

REFERENCE = load(json.loads(reference_definition_path().read_text('utf-8')))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- answers for the reference questionnaire -------------------------------------------------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**9), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=6), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def answer_strategy(question) -> st.SearchStrategy:
    """Mostly plausible answers for ``question``, with some junk mixed in."""
    values = question.option_values
    by_type = {
        'single_choice': st.sampled_from(values) if values else JUNK,
        'multiple_choice': st.lists(st.sampled_from(values), max_size=4) if values else JUNK,
        'yes_no': st.booleans(),
        'integer': st.integers(-5, 200),
        'decimal': st.floats(-10, 2e6),
        'currency': st.one_of(st.floats(0, 2e6), st.integers(0, 5000)),
        'date': st.dates(datetime.date(2000, 1, 1), datetime.date(2025, 12, 31)).map(datetime.date.isoformat),
        'text': st.text(max_size=30),
        'long_text': st.text(max_size=30),
        'likert': st.integers(0, 6),
    }
    if question.type == 'matrix':
        rows = [row.value for row in question.rows]
        if question.cell_type == 'integer':
            columns = [column.value for column in question.columns]
            cell = st.dictionaries(st.sampled_from(columns), st.one_of(st.integers(-2, 20), JUNK), max_size=4)
        else:
            cell = st.one_of(st.sampled_from(values), JUNK)
        plausible = st.dictionaries(st.sampled_from(rows), cell, max_size=len(rows))
    else:
        plausible = by_type[question.type]
    return st.one_of(plausible, plausible, plausible, JUNK)


REFERENCE_ANSWERS = st.fixed_dictionaries(
    {}, optional={question.key: answer_strategy(question) for question in REFERENCE.questions}
).flatmap(lambda answers: st.dictionaries(st.text(max_size=8), JUNK, max_size=2).map(lambda extra: {**extra,
                                                                                                      **answers}))


@SETTINGS
@given(REFERENCE_ANSWERS)
def test_checking_random_answers_never_fails_and_keeps_hidden_keys_out(answers):
    result = check_answers(REFERENCE, answers)
    shown = visible_keys(REFERENCE, answers)
    assert set(result.cleaned) <= shown
    assert all(error.key in shown for error in result.errors)
    partial = check_answers(REFERENCE, answers, require_complete=False)
    assert all(error.code != 'required' for error in partial.errors)
    for value in score(REFERENCE, answers).values():
        assert value is None or 0 <= value <= 100


@SETTINGS
@given(REFERENCE_ANSWERS, st.data())
def test_answers_to_hidden_questions_change_nothing(answers, data):
    hidden = [question for question in REFERENCE.questions if question.key not in visible_keys(REFERENCE, answers)]
    noisy = dict(answers)
    for question in hidden:
        noisy[question.key] = data.draw(answer_strategy(question))
    assert score(REFERENCE, noisy) == score(REFERENCE, answers)
    assert check_answers(REFERENCE, noisy).cleaned == check_answers(REFERENCE, answers).cleaned


@SETTINGS
@given(st.sampled_from([section.key for section in REFERENCE.sections]),
       st.dictionaries(st.sampled_from([name for q in REFERENCE.questions for name in q.field_names] + ['x']),
                       st.lists(st.text(max_size=8), max_size=3), max_size=12))
def test_parsing_random_form_fields_never_fails(section_key, form):
    answers, _ = parse_form(REFERENCE, section_key, form)
    section_keys = {question.key for question in REFERENCE.section(section_key).questions}
    assert set(answers) <= section_keys
    check_answers(REFERENCE, answers, keys=section_keys, require_complete=False)


# ---- generated small definitions --------------------------------------------------------------------------

WORDS = st.text(alphabet=st.characters(whitelist_categories=('L', 'N', 'P', 'Zs')), min_size=1, max_size=12) \
    .filter(lambda value: value.strip())
TEXTS = st.builds(lambda es, en: {'es': es, **({'en': en} if en else {})}, WORDS, st.one_of(st.none(), WORDS))
CODES = st.lists(st.sampled_from(['a', 'b', 'c', 'dont_know', 'none', 'x1']), min_size=1, max_size=5, unique=True)
NUMBERS = st.one_of(st.integers(-100, 100), st.floats(-100, 100).map(lambda value: round(value, 2)))


def option_list(values) -> list[dict]:
    return [{'value': value, 'label': {'es': f'Opción {value}'}} for value in values]


@st.composite
def bounds(draw, values: st.SearchStrategy) -> dict:
    picked = sorted(draw(st.lists(values, min_size=2, max_size=2)))
    return {name: value for name, value in zip(('min', 'max'), picked, strict=True) if draw(st.booleans())}


@st.composite
def type_fields(draw, qtype: str) -> dict:
    """Fields valid for ``qtype``."""
    if qtype == 'yes_no':
        return {}
    if qtype in ('single_choice', 'multiple_choice'):
        values = draw(CODES)
        fields = {'options': option_list(values)}
        if qtype == 'multiple_choice':
            fields.update(draw(bounds(st.integers(0, len(values)))))
            fields['exclusive_options'] = draw(st.lists(st.sampled_from(values), max_size=1))
        return fields
    if qtype == 'integer':
        return draw(bounds(st.integers(-50, 50)))
    if qtype in ('decimal', 'currency'):
        fields = draw(bounds(NUMBERS))
        fields['decimals'] = draw(st.integers(0, 4))
        if qtype == 'currency':
            fields['currency'] = draw(st.sampled_from(['PEN', 'USD']))
        return fields
    if qtype == 'date':
        return draw(bounds(st.dates(datetime.date(2000, 1, 1)).map(datetime.date.isoformat)))
    if qtype in ('text', 'long_text'):
        fields = draw(bounds(st.integers(0, 500)))
        if qtype == 'text' and draw(st.booleans()):
            fields['pattern'] = draw(st.sampled_from([r'[a-z]+', r'\d{8}']))
        return fields
    if qtype == 'likert':
        low = draw(st.integers(0, 1))
        high = draw(st.integers(low + 1, low + 9))
        points = draw(st.lists(st.integers(low, high), unique=True, max_size=3))
        return {'min': low, 'max': high, **({'options': option_list(points)} if points else {})}
    rows = option_list(draw(CODES))
    if draw(st.booleans()):
        return {'rows': rows, 'cell_type': 'single_choice', 'options': option_list(draw(CODES))}
    return {'rows': rows, 'cell_type': 'integer', 'columns': option_list(draw(CODES)), **{
        name: value for name, value in zip(('cell_min', 'cell_max'), sorted(draw(st.lists(
            st.integers(0, 9), min_size=2, max_size=2))), strict=True) if draw(st.booleans())}}


@st.composite
def condition_on(draw, earlier: list[dict]) -> dict | None:
    target = draw(st.sampled_from(earlier))
    qtype, key = target['type'], target['key']
    values = [option['value'] for option in target.get('options', [])]
    if qtype == 'yes_no':
        leaf = {'question': key, 'equals': draw(st.booleans())}
    elif qtype == 'single_choice':
        op = draw(st.sampled_from(['equals', 'not_equals', 'in']))
        leaf = {'question': key, op: [values[0]] if op == 'in' else values[-1]}
    elif qtype == 'multiple_choice':
        leaf = {'question': key, 'selected': values[0]}
    elif qtype in ('integer', 'decimal', 'currency', 'likert'):
        leaf = {'question': key, draw(st.sampled_from(['gt', 'gte', 'lt', 'lte'])): draw(st.integers(-5, 5))}
    elif qtype == 'date':
        leaf = {'question': key, 'gte': '2010-01-01'}
    elif qtype == 'text':
        leaf = {'question': key, 'equals': 'sí'}
    else:
        return None
    wrap = draw(st.sampled_from(['leaf', 'not', 'all', 'any']))
    return leaf if wrap == 'leaf' else {'not': leaf} if wrap == 'not' else {wrap: [leaf, leaf]}


@st.composite
def score_for(draw, question: dict, earlier: list[dict]) -> dict | None:
    qtype = question['type']
    base = {'weight': draw(st.sampled_from([0.5, 1, 2, 3])), 'if_hidden': draw(st.sampled_from(['exclude', 'zero']))}
    points = st.sampled_from([0, 0.25, 0.5, 1])
    values = [option['value'] for option in question.get('options', [])]
    if qtype == 'yes_no':
        return {**base, 'method': 'boolean'}
    if qtype == 'single_choice':
        return {**base, 'method': 'option_points', 'points': {value: draw(points) for value in values}}
    if qtype == 'multiple_choice':
        return {**base, 'method': 'count_selected', 'cap': draw(st.integers(1, 4))}
    if qtype == 'likert':
        return {**base, 'method': 'linear'}
    if qtype in ('integer', 'decimal', 'currency'):
        rules = [{'gte': 10, 'points': draw(points)}, {'gt': 0, 'points': draw(points)}]
        numeric = [item['key'] for item in earlier if item['type'] in ('integer', 'decimal', 'currency')]
        if numeric and draw(st.booleans()):
            return {**base, 'method': 'ratio', 'denominator': draw(st.sampled_from(numeric)), 'thresholds': rules,
                    'on_zero_denominator': draw(st.sampled_from(['exclude', 'zero']))}
        return {**base, 'method': 'threshold', 'thresholds': rules}
    if qtype == 'matrix' and question['cell_type'] == 'single_choice':
        return {**base, 'method': 'matrix_mean', 'column_points': {value: draw(points) for value in values}}
    return None


@st.composite
def small_definitions(draw) -> dict:
    earlier: list[dict] = []
    sections = []
    for number in range(draw(st.integers(1, 3))):
        axis = draw(st.sampled_from([None, 'governance', 'prevention', 'prosecution', 'protection']))
        questions = []
        for _ in range(draw(st.integers(1, 4))):
            qtype = draw(st.sampled_from(QUESTION_TYPES))
            question = {'key': f'q{len(earlier)}', 'type': qtype, 'text': draw(TEXTS), **draw(type_fields(qtype))}
            if draw(st.booleans()):
                question['required'] = True
            if draw(st.booleans()):
                question['help'] = draw(TEXTS)
            if earlier and draw(st.booleans()):
                condition = draw(condition_on(earlier))
                if condition is not None:
                    question['show_if'] = condition
            if axis is not None and draw(st.booleans()):
                rule = draw(score_for(question, earlier))
                if rule is not None:
                    question['score'] = rule
            questions.append(question)
            earlier.append(question)
        sections.append({'key': f's{number}', 'title': draw(TEXTS), 'axis': axis, 'questions': questions})
    return {'key': 'generated', 'title': draw(TEXTS), 'framework': 'pnat-2017-2021', 'sections': sections}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_definitions())
def test_generated_definitions_round_trip(document):
    questionnaire = load(document)
    again = load(questionnaire.to_document())
    assert again == questionnaire
    assert again.fingerprint == questionnaire.fingerprint
    assert load(read_document(dump_document(questionnaire.to_document(), 'yaml'), 'yaml')) == questionnaire
