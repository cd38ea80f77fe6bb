"""Plain factory functions building small definition documents for the questionnaire tests."""
from __future__ import annotations

from typing import Any


def text(es: str, en: str | None = None) -> dict:
    """A bilingual text fragment."""
    return {'es': es, 'en': en} if en else {'es': es}


def options(*values: Any) -> list[dict]:
    """Options whose labels repeat their values."""
    return [{'value': value, 'label': text(f'opción {value}', f'option {value}')} for value in values]


def question(key: str, qtype: str = 'yes_no', **fields: Any) -> dict:
    """A question document; ``text`` is made up from the key unless given."""
    doc = {'key': key, 'type': qtype, 'text': text(f'¿{key}?', f'{key}?')}
    if qtype in ('single_choice', 'multiple_choice') and 'options' not in fields:
        fields['options'] = options('a', 'b', 'c')
    doc.update(fields)
    return doc


def section(key: str, *questions: dict, axis: str | None = None, **fields: Any) -> dict:
    """A section document holding ``questions``."""
    return {'key': key, 'title': text(f'Sección {key}', f'Section {key}'), 'axis': axis,
            'questions': list(questions), **fields}


def definition(*sections: dict, **fields: Any) -> dict:
    """A whole definition on the built-in PNAT framework; one default section if none given."""
    doc = {'format': 1, 'key': 'demo', 'title': text('Demostración', 'Demo'), 'framework': 'pnat-2017-2021',
           'sections': list(sections) or [section('profile', question('q1'))]}
    doc.update(fields)
    return doc


def one_question(qtype: str = 'yes_no', axis: str | None = None, **fields: Any) -> dict:
    """A definition with a single question ``q`` of ``qtype`` (in a section on ``axis``)."""
    return definition(section('main', question('q', qtype, **fields), axis=axis))


def scored(qtype: str, score: dict, *before: dict, axis: str = 'governance', **fields: Any) -> dict:
    """A definition whose section on ``axis`` holds ``before`` questions then a scored question ``q``."""
    return definition(section('main', *before, question('q', qtype, score=score, **fields), axis=axis))
