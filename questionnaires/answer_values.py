"""Checking and normalising one answer value against its question (type, bounds, options).

Each checker returns ``(value, errors)``: ``value`` is the normalised answer, or None when the
question is unanswered or the answer is invalid (invalid answers never reach stored data).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .conditions import same_value
from .load_fields import iso_date
from .schema import Question


@dataclass(frozen=True)
class AnswerError:
    """One answer problem; the web layer translates ``code`` + ``params``, ``message`` is plain English."""

    key: str
    code: str
    params: dict = field(default_factory=dict)
    message: str = ''


def error(key: str, code: str, message: str, **params: Any) -> AnswerError:
    """Build an AnswerError (helper keeping call sites short)."""
    return AnswerError(key, code, params, message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _as_integer(value: Any) -> int | None:
    if _is_number(value) and float(value).is_integer():
        return int(value)
    return None


def _bounds(question: Question, value: Any, shown: Any = None) -> list[AnswerError]:
    shown = value if shown is None else shown
    if question.min is not None and value < question.min:
        return [error(question.key, 'min', f'must be at least {question.min}', min=question.min, value=shown)]
    if question.max is not None and value > question.max:
        return [error(question.key, 'max', f'must be at most {question.max}', max=question.max, value=shown)]
    return []


def _find_option(options: tuple, value: Any) -> Any:
    for option in options:
        if same_value(option.value, value) and type(option.value) is type(value):
            return option.value
    return None


def check_single(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """single_choice: one option value."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None, [error(question.key, 'type', 'must be one of the options', expected='option')]
    found = _find_option(question.options, value)
    if found is None:
        return None, [error(question.key, 'unknown_option', f'{value!r} is not one of the options', value=value)]
    return found, []


def check_multiple(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """multiple_choice: a list of option values, returned in option order without repeats."""
    if not isinstance(value, (list, tuple)):
        return None, [error(question.key, 'type', 'must be a list of options', expected='list')]
    errors = []
    chosen = set()
    for item in value:
        found = _find_option(question.options, item) if isinstance(item, (str, int)) else None
        if found is None:
            errors.append(error(question.key, 'unknown_option', f'{item!r} is not one of the options', value=item))
        else:
            chosen.add(found)
    if errors:
        return None, errors
    # Option order makes stored answers and exports independent of click order.
    selected = [option for option in question.option_values if option in chosen]
    if not selected:
        return None, []
    for option in question.exclusive_options:
        if option in chosen and len(selected) > 1:
            return None, [error(question.key, 'exclusive', f'{option!r} cannot be combined with other options',
                                option=option)]
    if question.min is not None and len(selected) < question.min:
        return None, [error(question.key, 'min_selected', f'select at least {question.min}', min=question.min)]
    if question.max is not None and len(selected) > question.max:
        return None, [error(question.key, 'max_selected', f'select at most {question.max}', max=question.max)]
    return selected, []


def check_yes_no(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """yes_no: true or false."""
    if not isinstance(value, bool):
        return None, [error(question.key, 'type', 'must be yes or no', expected='boolean')]
    return value, []


def check_integer(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """integer and likert: a whole number within min..max."""
    number = _as_integer(value)
    if number is None:
        return None, [error(question.key, 'type', 'must be a whole number', expected='integer')]
    errors = _bounds(question, number)
    return (None, errors) if errors else (number, [])


def check_decimal(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """decimal and currency: a number rounded to ``decimals`` places, within min..max."""
    if not _is_number(value):
        return None, [error(question.key, 'type', 'must be a number', expected='number')]
    number = round(float(value), question.decimals if question.decimals is not None else 2)
    errors = _bounds(question, number)
    return (None, errors) if errors else (number, [])


def check_date(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """date: an ISO ``YYYY-MM-DD`` string (a date object is accepted and converted)."""
    day = iso_date(value)
    if day is None:
        return None, [error(question.key, 'type', 'must be a date (YYYY-MM-DD)', expected='date')]
    errors = _bounds(question, day)
    return (None, errors) if errors else (day, [])


def check_text(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """text and long_text: stripped text within the length limits (and ``pattern`` for text)."""
    if not isinstance(value, str):
        return None, [error(question.key, 'type', 'must be text', expected='text')]
    text = value.strip()
    if question.type == 'text':
        # Short text is one line; pasted line breaks would break exports and the one-line input.
        text = re.sub(r'\s*[\r\n]+\s*', ' ', text)
    if not text:
        return None, []
    if question.min is not None and len(text) < question.min:
        return None, [error(question.key, 'min_length', f'must have at least {question.min} characters',
                            min_length=question.min, length=len(text))]
    if question.max is not None and len(text) > question.max:
        return None, [error(question.key, 'max_length', f'must have at most {question.max} characters',
                            max_length=question.max, length=len(text))]
    if question.pattern is not None and not re.fullmatch(question.pattern, text):
        return None, [error(question.key, 'pattern', 'does not have the expected format', pattern=question.pattern)]
    return text, []


def check_matrix(question: Question, value: Any) -> tuple[Any, list[AnswerError]]:
    """matrix: ``{row: option}`` or ``{row: {column: int}}``; valid cells are kept, invalid ones reported."""
    if not isinstance(value, dict):
        return None, [error(question.key, 'type', 'must be a table of answers', expected='object')]
    rows = {row.value: row for row in question.rows}
    by_text = {str(key): key for key in rows}
    cleaned, errors = {}, []
    for raw_row, cell in value.items():
        row = by_text.get(str(raw_row))
        if row is None:
            errors.append(error(question.key, 'unknown_option', f'{raw_row!r} is not a row', row=raw_row))
        elif cell is not None:
            cell_value, cell_errors = _matrix_cell(question, row, cell)
            errors.extend(cell_errors)
            if cell_value is not None:
                cleaned[row] = cell_value
    ordered = {row: cleaned[row] for row in rows if row in cleaned}
    return (ordered or None), errors


def _matrix_cell(question: Question, row: Any, cell: Any) -> tuple[Any, list[AnswerError]]:
    if question.cell_type == 'single_choice':
        found = _find_option(question.options, cell) if isinstance(cell, (str, int)) else None
        if found is None:
            return None, [error(question.key, 'unknown_option', f'{cell!r} is not an option (row {row})',
                                row=row, value=cell)]
        return found, []
    if not isinstance(cell, dict):
        return None, [error(question.key, 'type', f'row {row} must map columns to numbers', row=row,
                            expected='object')]
    columns = {str(column.value): column.value for column in question.columns}
    cleaned, errors = {}, []
    for raw_column, number in cell.items():
        column = columns.get(str(raw_column))
        if column is None:
            errors.append(error(question.key, 'unknown_option', f'{raw_column!r} is not a column', row=row,
                                column=raw_column))
            continue
        if number is None:
            continue
        whole = _as_integer(number)
        if whole is None:
            errors.append(error(question.key, 'type', f'{row}/{column} must be a whole number', row=row,
                                column=column, expected='integer'))
        elif question.cell_min is not None and whole < question.cell_min:
            errors.append(error(question.key, 'cell_min', f'{row}/{column} must be at least {question.cell_min}',
                                row=row, column=column, min=question.cell_min, value=whole))
        elif question.cell_max is not None and whole > question.cell_max:
            errors.append(error(question.key, 'cell_max', f'{row}/{column} must be at most {question.cell_max}',
                                row=row, column=column, max=question.cell_max, value=whole))
        else:
            cleaned[column] = whole
    ordered = {column.value: cleaned[column.value] for column in question.columns if column.value in cleaned}
    return (ordered or None), errors


CHECKERS = {
    'single_choice': check_single,
    'multiple_choice': check_multiple,
    'yes_no': check_yes_no,
    'integer': check_integer,
    'likert': check_integer,
    'decimal': check_decimal,
    'currency': check_decimal,
    'date': check_date,
    'text': check_text,
    'long_text': check_text,
    'matrix': check_matrix,
}
