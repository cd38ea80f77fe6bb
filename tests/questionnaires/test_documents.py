"""Reading and writing definitions as JSON and YAML; parse errors name the line."""
from __future__ import annotations

import json

import pytest

from questionnaires import DefinitionError, dump_document, load, read_document


@pytest.mark.parametrize('fmt', ['json', 'yaml'])
def test_the_reference_survives_a_dump_and_read(reference, fmt):
    text = dump_document(reference.to_document(), fmt)
    assert load(read_document(text, fmt)) == reference
    assert load(read_document(text.encode('utf-8'), fmt)) == reference


def test_json_is_indented_and_keeps_accents(reference):
    text = dump_document(reference.to_document(), 'json')
    assert text.startswith('{\n  "format": 1,')
    assert 'Perfil de la persona informante' in text and '\\u' not in text


def test_yaml_keeps_accents_and_key_order(reference):
    text = dump_document(reference.to_document(), 'yaml')
    assert text.startswith('format: 1\nkey: pnat-officials\n')
    assert 'Atención, protección y reintegración' in text


def test_yaml_dates_stay_iso_strings():
    document = read_document('min: 2007-01-16\nwhen: 2018-12-31\n', 'yml')
    assert document == {'min': '2007-01-16', 'when': '2018-12-31'}


def test_a_byte_order_mark_is_ignored():
    assert read_document('\ufeff{"key": "x"}'.encode('utf-8'), 'json') == {'key': 'x'}


@pytest.mark.parametrize(('text', 'fmt', 'place'), [
    ('{\n  "key": "x",\n  "title" {}\n}', 'json', 'line 3'),
    ('key: x\nsections:\n  - key: [unclosed\n', 'yaml', 'line 4'),
    ('key: x\n  bad: indentation\n', 'yaml', 'line 2'),
    ('key: x\nkey: y\n', 'yaml', 'line 2'),
])
def test_parse_errors_name_the_line(text, fmt, place):
    with pytest.raises(DefinitionError) as caught:
        read_document(text, fmt)
    [problem] = caught.value.problems
    assert (problem.code, problem.place) == ('parse_error', place)
    assert place in str(caught.value)


def test_a_key_written_twice_in_json_is_refused():
    with pytest.raises(DefinitionError, match='duplicate key'):
        read_document('{"key": "a", "key": "b"}', 'json')


def test_a_document_must_be_a_mapping():
    with pytest.raises(DefinitionError) as caught:
        read_document(json.dumps([1, 2]), 'json')
    assert caught.value.problems[0].code == 'wrong_type'


def test_bytes_that_are_not_utf8_are_a_parse_error():
    with pytest.raises(DefinitionError) as caught:
        read_document(b'key: \xff\xfe', 'yaml')
    assert caught.value.problems[0].code == 'parse_error'


def test_an_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match='unknown definition format'):
        read_document('{}', 'xml')
