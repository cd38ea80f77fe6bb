"""``parse_form``: HTML form fields of one section turned into typed answers.

Field names follow ``Question.field_names``: ``key``; repeated ``key`` for multiple choice;
``key__row`` for single-choice matrices; ``key__row__column`` for integer matrices.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .answer_values import AnswerError, error
from .load_fields import iso_date
from .schema import Question, Questionnaire

# Spaces (incl. no-break and narrow no-break) and apostrophes group thousands: "1 234 567,50".
_GROUPING = re.compile(r"[\s\u00a0\u202f']")
_CURRENCY_PREFIX = re.compile(r'^(?:S/\.?|PEN|\$)\s*', re.IGNORECASE)
_NUMBER = re.compile(r'^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$')
_DMY = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})$')


def parse_number(text: str) -> float | int | None:
    """Parse a number as typed by a person: ``1234,50``, ``1 234,50``, ``1.234,50``, ``1,234.50``, ``S/ 20``.

    A lone comma is a decimal separator (Peruvian forms use it); when both ``.`` and ``,`` appear
    the last one is the decimal separator; repeated separators are thousands groups. Returns an int
    when there is no fractional part written, None when the text is not a number.
    """
    text = _CURRENCY_PREFIX.sub('', _GROUPING.sub('', text.strip()))
    if ',' in text and '.' in text:
        decimal_mark = ',' if text.rfind(',') > text.rfind('.') else '.'
        group_mark = '.' if decimal_mark == ',' else ','
        text = text.replace(group_mark, '').replace(decimal_mark, '.')
    elif text.count(',') > 1 or text.count('.') > 1:
        text = text.replace(',', '').replace('.', '') if _grouped(text) else '?'
    else:
        text = text.replace(',', '.')
    if not _NUMBER.match(text):
        return None
    return float(text) if '.' in text else int(text)


def _grouped(text: str) -> bool:
    # "1.234.567" is grouping; "1.2.3" is not a number at all.
    return bool(re.fullmatch(r'[+-]?\d{1,3}(?:[.,]\d{3})+', text))


def _values(form: Mapping[str, Any], name: str) -> list[str]:
    raw = form.get(name, [])
    items = [raw] if isinstance(raw, str) else list(raw)
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _first(form: Mapping[str, Any], name: str) -> str | None:
    values = _values(form, name)
    return values[0] if values else None


def _parse_scalar(question: Question, text: str) -> tuple[Any, AnswerError | None]:
    kind = question.type
    if kind in ('text', 'long_text'):
        return text, None
    if kind == 'yes_no':
        if text in ('true', 'false'):
            return text == 'true', None
        return None, error(question.key, 'type', 'must be yes or no', expected='boolean')
    if kind == 'date':
        day = iso_date(text)
        match = _DMY.match(text)
        if day is None and match:
            day = iso_date(f'{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}')
        if day is None:
            return None, error(question.key, 'type', 'must be a date (YYYY-MM-DD)', expected='date')
        return day, None
    if kind == 'single_choice':
        return _option(question, text)
    number = parse_number(text)
    if kind in ('integer', 'likert'):
        if number is None or not float(number).is_integer():
            return None, error(question.key, 'type', 'must be a whole number', expected='integer')
        return int(number), None
    if number is None:
        return None, error(question.key, 'type', 'must be a number', expected='number')
    return number, None


def _option(question: Question, text: str, options: tuple | None = None) -> tuple[Any, AnswerError | None]:
    # Form values are strings; integer option values are matched through their text.
    for option in question.options if options is None else options:
        if str(option.value) == text:
            return option.value, None
    return None, error(question.key, 'unknown_option', f'{text!r} is not one of the options', value=text)


def _parse_matrix(question: Question, form: Mapping[str, Any]) -> tuple[Any, list[AnswerError]]:
    answer: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for row in question.rows:
        if question.cell_type == 'single_choice':
            text = _first(form, f'{question.key}__{row.value}')
            if text is not None:
                value, problem = _option(question, text)
                if problem is None:
                    answer[row.value] = value
                else:
                    errors.append(error(question.key, problem.code, problem.message, row=row.value, value=text))
            continue
        cells = {}
        for column in question.columns:
            text = _first(form, f'{question.key}__{row.value}__{column.value}')
            if text is None:
                continue
            number = parse_number(text)
            if number is None or not float(number).is_integer():
                errors.append(error(question.key, 'type', f'{row.value}/{column.value} must be a whole number',
                                    row=row.value, column=column.value, expected='integer'))
            else:
                cells[column.value] = int(number)
        if cells:
            answer[row.value] = cells
    return (answer or None), errors


def parse_form(questionnaire: Questionnaire, section_key: str,
               form: Mapping[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
    """Turn the submitted fields of section ``section_key`` into typed answers.

    ``form`` maps field names to lists of strings (e.g. ``request.form.to_dict(flat=False)``).
    Every question of the section gets an entry, None when left empty, so merging the result into
    stored answers also clears emptied fields. A field that cannot be parsed gets a ``type`` (or
    ``unknown_option``) error and its key is left out, so a typo never overwrites a saved answer.
    Range, length and required checks are left to :func:`check_answers`.

    :raise KeyError: when the questionnaire has no section ``section_key``.
    """
    section = questionnaire.section(section_key)
    answers: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for question in section.questions:
        if question.type == 'matrix':
            value, problems = _parse_matrix(question, form)
        elif question.type == 'multiple_choice':
            parsed = [_option(question, text) for text in _values(form, question.key)]
            problems = [problem for _, problem in parsed if problem is not None]
            value = [item for item, problem in parsed if problem is None] or None
        else:
            text = _first(form, question.key)
            value, problem = (None, None) if text is None else _parse_scalar(question, text)
            problems = [problem] if problem is not None else []
        errors.extend(problems)
        if not problems or question.type == 'matrix':
            answers[question.key] = value
    return answers, errors
