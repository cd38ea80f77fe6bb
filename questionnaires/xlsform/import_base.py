"""Import state: the survey-row records, the problems found so far and the cell readers every pass shares.

The importer is split into passes, one mixin of :class:`_ImporterBase` per module (settings, sections,
questions, matrix, expressions); :class:`.reader._Importer` combines them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..safe_input import check_json
from .cells import _label, _Sheet, _text
from .common import XLSFormProblem


@dataclass
class _Node:
    """A survey row (``children`` is a list for begin group/repeat rows)."""

    number: int
    values: tuple
    kind: str                       # 'begin group', 'begin repeat', 'select_one', 'integer', ...
    type_text: str
    list_name: str | None = None
    children: list | None = None


@dataclass
class _Condition:
    """A ``relevant`` of a group, parsed once in the second pass."""

    number: int
    text: str
    parsed: dict | None = None


@dataclass
class _Pending:
    """A question whose expressions are parsed once every question is known."""

    doc: dict
    node: _Node
    conditions: list
    qtype: str
    options: list | None = None


@dataclass
class _ImporterBase:
    """The importer's state and the cell readers every pass uses."""

    sheets: dict
    problems: list
    default_lang: str = 'es'
    lists: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)       # key -> row number
    info: dict = field(default_factory=dict)            # key -> (type, option values)
    pending: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    survey: Any = None                                  # the survey _Sheet, once found

    def problem(self, sheet: str, row: int | None, column: str | None, message: str, code: str = '',
                **params: str) -> None:
        self.problems.append(XLSFormProblem(sheet, row, column, message, code, tuple(sorted(params.items()))))

    def bilingual(self, sheet: _Sheet, number: int, values: tuple, base: str, what: str | None) -> dict | None:
        """{es, en} from ``base::<lang>`` columns (plain ``base`` = default language); error if ``what`` and no es."""
        text = {}
        for lang in ('es', 'en'):
            value = _label(sheet.get(values, base, lang))
            if value is None and lang == self.default_lang:
                value = _label(sheet.get(values, base))
            if value is not None:
                text[lang] = value
        if what and 'es' not in text:
            column = sheet.header(base, 'es') if (base, 'es') in sheet.columns else base
            self.problem(sheet.name, number, column, f'missing Spanish {what}')
        return text or None

    def json_cell(self, sheet: _Sheet, number: int, values: tuple, column: str, kind: type) -> Any:
        text = _text(sheet.get(values, column))
        if text is None:
            return None
        try:
            check_json(text)    # a cell can hold 32,767 brackets: json.loads would raise RecursionError
            value = json.loads(text)
        except ValueError as exc:
            self.problem(sheet.name, number, sheet.header(column), f'invalid JSON ({exc})')
            return None
        if not isinstance(value, kind):
            self.problem(sheet.name, number, sheet.header(column), f'must hold a JSON {kind.__name__}')
            return None
        return value

    def merge_extra(self, sheet: _Sheet, number: int, values: tuple, target: dict) -> None:
        extra = self.json_cell(sheet, number, values, 'x_extra', dict)
        for key, value in (extra or {}).items():
            if key in target:
                self.problem(sheet.name, number, sheet.header('x_extra'), f'x_extra repeats the field "{key}"')
            else:
                target[key] = value
