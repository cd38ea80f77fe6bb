"""Reading a workbook sheet: header-indexed rows and the typed value of one cell (label, name, flag, type).

Every helper is forgiving about what spreadsheets hold (floats for whole numbers, booleans, dates, stray blanks).
"""
from __future__ import annotations

import datetime
import re
from typing import Any

from ..safe_xlsx import TextBudget, sheet_rows
from .common import LANGUAGE_NAMES, XLSFormProblem

_LANGUAGE_WORDS = {'spanish': 'es', 'español': 'es', 'espanol': 'es', 'castellano': 'es',
                   'english': 'en', 'inglés': 'en', 'ingles': 'en'}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _label(value: Any) -> str | None:
    """A label cell as text (kept verbatim), None when blank."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return 'TRUE' if value else 'FALSE'
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str | None:
    label = _label(value)
    return label.strip() if label is not None else None


def _typed(value: Any) -> Any:
    """A name/value cell: int for whole numbers, stripped text otherwise."""
    if isinstance(value, bool) or _blank(value):
        return _text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return _text(value)


def _language(text: str) -> str | None:
    match = re.search(r'\(([^()]*)\)\s*$', text)
    code = (match.group(1) if match else text).strip().lower()
    code = _LANGUAGE_WORDS.get(code, code)
    return re.split(r'[-_]', code)[0] or None


class _Sheet:
    """A sheet as header-indexed rows; the header is the first non-empty row.

    Rows are read within the limits of :mod:`questionnaires.safe_input` (rows, columns, text in all).
    """

    def __init__(self, name: str, worksheet: Any, problems: list, budget: TextBudget | None = None) -> None:
        self.name = name
        self.columns: dict[tuple[str, str | None], tuple[int, str]] = {}
        self.rows: list[tuple[int, tuple]] = []
        self.header_row: int | None = None
        for number, values in sheet_rows(worksheet, budget=budget):
            if all(_blank(value) for value in values):
                continue
            if self.header_row is not None:
                self.rows.append((number, values))
                continue
            self.header_row = number
            for index, raw in enumerate(values):
                header = _text(raw)
                if header is None:
                    continue
                base, _, lang = header.partition('::')
                column = (base.strip().lower().replace(' ', '_'), _language(lang) if lang else None)
                if column in self.columns:
                    problems.append(XLSFormProblem(name, number, header, 'duplicate column'))
                else:
                    self.columns[column] = (index, header)

    def get(self, values: tuple, base: str, lang: str | None = None) -> Any:
        entry = self.columns.get((base, lang))
        return values[entry[0]] if entry and entry[0] < len(values) else None

    def header(self, base: str, lang: str | None = None) -> str:
        entry = self.columns.get((base, lang))
        return entry[1] if entry else (f'{base}::{LANGUAGE_NAMES.get(lang, lang)}' if lang else base)


def _classify(type_text: str) -> tuple[str, str | None]:
    """(kind, list name) of a survey type cell; kind 'or_other' for the unsupported select ... or_other."""
    text = ' '.join(type_text.split())
    lower = text.lower()
    match = re.fullmatch(r'(begin|end)[ _](group|repeat)', lower)
    if match:
        return f'{match.group(1)} {match.group(2)}', None
    match = re.fullmatch(r'(select_one|select_multiple|select one|select multiple|select all that apply)'
                         r' (\S+)( or_other)?', text, re.IGNORECASE)
    if match:
        if match.group(3):
            return 'or_other', None
        kind = 'select_one' if 'one' in match.group(1).lower() else 'select_multiple'
        return kind, match.group(2)
    return {'int': 'integer', 'string': 'text'}.get(lower, lower), None


def _flag(value: Any) -> bool | None:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('yes', 'true', 'true()', '1', 'y'):
        return True
    if text in ('no', 'false', 'false()', '0', 'n'):
        return False
    return None


def _integers(values: list) -> list | None:
    numbers = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            numbers.append(value)
        elif isinstance(value, str) and re.fullmatch(r'-?\d+', value):
            numbers.append(int(value))
        else:
            return None
    return numbers
