"""Immutable questionnaire objects built by :func:`questionnaires.load`.

Objects keep *effective* values (e.g. a text question's default ``max`` of 500), and
``to_document`` leaves out every value equal to its default, so that ``load(q.to_document()) == q``
and two documents that differ only by spelled-out defaults share a fingerprint.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .bilingual import Text
from .conditions import Condition
from .frameworks import BUILTIN_FRAMEWORKS, PNAT_2017_2021, Framework
from .frozen import FrozenMap, thaw

#: The only definition format number this package reads and writes.
FORMAT = 1
#: Every question type a definition may use.
QUESTION_TYPES = ('single_choice', 'multiple_choice', 'yes_no', 'integer', 'decimal', 'currency', 'date',
                  'text', 'long_text', 'likert', 'matrix')
NUMERIC_TYPES = ('integer', 'decimal', 'currency')
#: Default ``max`` (characters) for free-text types.
TEXT_MAX_DEFAULTS = {'text': 500, 'long_text': 10000}
DEFAULT_DECIMALS = 2
DEFAULT_CURRENCY = 'PEN'
MATRIX_CELL_TYPES = ('single_choice', 'integer')
#: Who a section or question is addressed to: officials of State bodies or members of civil society.
AUDIENCES = ('state', 'civil')
#: Whether a question asks for supporting documents: files may be attached, or must be.
EVIDENCE_MODES = ('optional', 'required')


@dataclass(frozen=True)
class Option:
    """A choice (or matrix row/column): a stable value stored in answers and a bilingual label."""

    value: str | int
    label: Text

    def to_document(self) -> dict:
        """Return ``{value, label}``."""
        return {'value': self.value, 'label': self.label.to_document()}


@dataclass(frozen=True)
class Threshold:
    """A scoring rule: answers ``gte``/``gt`` ``value`` earn ``points``."""

    op: str
    value: int | float
    points: int | float

    def matches(self, number: float) -> bool:
        """Tell whether ``number`` satisfies this rule."""
        return number >= self.value if self.op == 'gte' else number > self.value

    def to_document(self) -> dict:
        """Return ``{gte|gt: value, points}``."""
        return {self.op: self.value, 'points': self.points}


@dataclass(frozen=True)
class Score:
    """How a question contributes to its section's axis index (see docs/definition-format.md)."""

    weight: int | float
    method: str
    if_hidden: str = 'exclude'
    #: option_points: option value -> points in [0, 1].
    points: FrozenMap | None = None
    exclude_values: tuple = ()
    cap: int | None = None
    exclude_options: tuple = ()
    thresholds: tuple[Threshold, ...] = ()
    denominator: str | None = None
    on_zero_denominator: str = 'exclude'
    #: matrix_mean: cell option value -> points in [0, 1].
    column_points: FrozenMap | None = None

    def to_document(self) -> dict:
        """Return the score fragment, omitting defaults and parameters the method does not use."""
        doc: dict[str, Any] = {'weight': self.weight, 'method': self.method}
        if self.points is not None:
            # JSON object keys are strings; the loader maps them back to typed option values.
            doc['points'] = {str(value): pts for value, pts in self.points.items()}
        if self.column_points is not None:
            doc['column_points'] = {str(value): pts for value, pts in self.column_points.items()}
        if self.exclude_values:
            doc['exclude_values'] = list(self.exclude_values)
        if self.cap is not None:
            doc['cap'] = self.cap
        if self.exclude_options:
            doc['exclude_options'] = list(self.exclude_options)
        if self.denominator is not None:
            doc['denominator'] = self.denominator
        if self.thresholds:
            doc['thresholds'] = [rule.to_document() for rule in self.thresholds]
        if self.method == 'ratio' and self.on_zero_denominator != 'exclude':
            doc['on_zero_denominator'] = self.on_zero_denominator
        if self.if_hidden != 'exclude':
            doc['if_hidden'] = self.if_hidden
        return doc


@dataclass(frozen=True)
class Question:
    """One question; which fields matter depends on ``type`` (see QUESTION_TYPES and the format doc)."""

    key: str
    type: str
    text: Text
    help: Text | None = None
    required: bool = False
    options: tuple[Option, ...] = ()
    min: Any = None
    max: Any = None
    pattern: str | None = None
    decimals: int | None = None
    currency: str | None = None
    max_ref: str | None = None
    #: what an answer above its max_ref is: a 'warning' shown beside the field (cases brought to court
    #: <= cases reported) or an 'error' that blocks like any validation (spent <= budget)
    max_ref_severity: str = 'warning'
    exclusive_options: tuple = ()
    rows: tuple[Option, ...] = ()
    columns: tuple[Option, ...] = ()
    cell_type: str | None = None
    cell_min: int | None = None
    cell_max: int | None = None
    show_if: Condition | None = None
    score: Score | None = None
    #: 'state' or 'civil' when the question narrows its section's audience; None when it keeps it.
    audience: str | None = None
    #: 'optional' or 'required' when officials attach supporting documents to the answer; None: no files.
    evidence: str | None = None
    #: Informational keys (e.g. ``pnat_link``), kept verbatim and otherwise ignored.
    extra: FrozenMap = field(default_factory=FrozenMap)

    @property
    def is_numeric(self) -> bool:
        """True for integer, decimal and currency questions."""
        return self.type in NUMERIC_TYPES

    @property
    def option_values(self) -> tuple:
        """The option values in definition order."""
        return tuple(option.value for option in self.options)

    def option(self, value: Any) -> Option:
        """Return the option with ``value``; raise KeyError when there is none."""
        for option in self.options:
            if option.value == value and type(option.value) is type(value):
                return option
        raise KeyError(value)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Form/export field names: ``key``, ``key__row`` or ``key__row__column`` for matrices."""
        if self.type != 'matrix':
            return (self.key,)
        if self.cell_type == 'integer':
            return tuple(f'{self.key}__{row.value}__{col.value}' for row in self.rows for col in self.columns)
        return tuple(f'{self.key}__{row.value}' for row in self.rows)

    def to_document(self) -> dict:
        """Return the question as a definition fragment, without default values."""
        doc: dict[str, Any] = {'key': self.key, 'type': self.type, 'text': self.text.to_document()}
        if self.help is not None:
            doc['help'] = self.help.to_document()
        if self.required:
            doc['required'] = True
        for name in ('rows', 'columns', 'options'):
            if getattr(self, name):
                doc[name] = [item.to_document() for item in getattr(self, name)]
        if self.cell_type is not None:
            doc['cell_type'] = self.cell_type
        for name in ('cell_min', 'cell_max', 'min', 'pattern', 'max_ref'):
            if getattr(self, name) is not None:
                doc[name] = getattr(self, name)
        if self.max_ref_severity != 'warning':
            doc['max_ref_severity'] = self.max_ref_severity
        if self.max is not None and self.max != TEXT_MAX_DEFAULTS.get(self.type):
            doc['max'] = self.max
        if self.decimals is not None and self.decimals != DEFAULT_DECIMALS:
            doc['decimals'] = self.decimals
        if self.currency is not None and self.currency != DEFAULT_CURRENCY:
            doc['currency'] = self.currency
        if self.exclusive_options:
            doc['exclusive_options'] = list(self.exclusive_options)
        if self.show_if is not None:
            doc['show_if'] = self.show_if.to_document()
        if self.score is not None:
            doc['score'] = self.score.to_document()
        if self.audience is not None:
            doc['audience'] = self.audience
        if self.evidence is not None:
            doc['evidence'] = self.evidence
        doc.update(thaw(self.extra))
        return doc


@dataclass(frozen=True)
class Section:
    """A page of the questionnaire; ``axis`` is None for a respondent profile section."""

    key: str
    title: Text
    description: Text | None = None
    axis: str | None = None
    questions: tuple[Question, ...] = ()
    extra: FrozenMap = field(default_factory=FrozenMap)
    #: 'state' or 'civil' when only that kind of respondent is asked this section; None for everyone.
    audience: str | None = None

    def audience_of(self, question: Question) -> str | None:
        """The audience ``question`` is asked to: its own, else this section's (None: everyone)."""
        return question.audience or self.audience

    def to_document(self) -> dict:
        """Return the section as a definition fragment (``axis`` always written, null included)."""
        doc: dict[str, Any] = {'key': self.key, 'title': self.title.to_document()}
        if self.description is not None:
            doc['description'] = self.description.to_document()
        doc['axis'] = self.axis
        if self.audience is not None:
            doc['audience'] = self.audience
        doc.update(thaw(self.extra))
        doc['questions'] = [question.to_document() for question in self.questions]
        return doc


@dataclass(frozen=True)
class Questionnaire:
    """A whole questionnaire definition: sections of questions, tied to a policy framework."""

    key: str
    title: Text
    description: Text | None = None
    #: Defaults to the PNAT 2017-2021 framework, the one this platform was built for.
    framework: Framework = PNAT_2017_2021
    sections: tuple[Section, ...] = ()
    extra: FrozenMap = field(default_factory=FrozenMap)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """All questions in questionnaire order (section by section)."""
        return tuple(question for section in self.sections for question in section.questions)

    @cached_property
    def _index(self) -> dict[str, tuple[int, Question, Section]]:
        position = 0
        index = {}
        for section in self.sections:
            for question in section.questions:
                index[question.key] = (position, question, section)
                position += 1
        return index

    def question(self, key: str) -> Question:
        """Return the question with ``key``; raise KeyError when there is none."""
        return self._index[key][1]

    def section_of(self, key: str) -> Section:
        """Return the section holding question ``key``; raise KeyError when there is none."""
        return self._index[key][2]

    def position(self, key: str) -> int:
        """Return the 0-based position of question ``key`` in questionnaire order."""
        return self._index[key][0]

    def section(self, key: str) -> Section:
        """Return the section with ``key``; raise KeyError when there is none."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def audience_of(self, key: str) -> str | None:
        """The audience of question ``key`` ('state', 'civil', or None for everyone); KeyError if unknown."""
        _, question, section = self._index[key]
        return section.audience_of(question)

    @cached_property
    def has_audiences(self) -> bool:
        """True when some section or question is addressed to one kind of respondent only."""
        return any(section.audience is not None or any(q.audience is not None for q in section.questions)
                   for section in self.sections)

    @cached_property
    def _sector_views(self) -> dict[str, Questionnaire]:
        return {}

    def for_sector(self, sector: str | None) -> Questionnaire:
        """The questionnaire as a respondent of ``sector`` ('state' or 'civil') sees it.

        Sections and questions addressed to the other kind are left out, and a section left with
        no question disappears; what is left is unchanged, so answers, show_if, scoring and the
        forms need no other rule: a question not asked is neither required, stored nor scored.
        Built once per questionnaire object and sector. ``None`` (no sector) returns ``self``.
        """
        if sector is None or not self.has_audiences:
            return self
        if sector not in AUDIENCES:
            raise ValueError(f'unknown sector {sector!r} (use {" or ".join(AUDIENCES)})')
        view = self._sector_views.get(sector)
        if view is None:
            sections = []
            for section in self.sections:
                if section.audience not in (None, sector):
                    continue
                questions = tuple(q for q in section.questions if q.audience in (None, sector))
                if questions:
                    sections.append(replace(section, questions=questions))
            view = self._sector_views[sector] = replace(self, sections=tuple(sections))
        return view

    def to_document(self) -> dict:
        """Return the canonical definition document (``load(q.to_document()) == q``)."""
        # ``format`` is written although it is the default: it tells readers which spec the file follows.
        doc: dict[str, Any] = {'format': FORMAT, 'key': self.key, 'title': self.title.to_document()}
        if self.description is not None:
            doc['description'] = self.description.to_document()
        builtin = BUILTIN_FRAMEWORKS.get(self.framework.key)
        doc['framework'] = self.framework.key if builtin == self.framework else self.framework.to_document()
        doc.update(thaw(self.extra))
        doc['sections'] = [section.to_document() for section in self.sections]
        return doc

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_document`: equal content, equal fingerprint."""
        canonical = json.dumps(self.to_document(), sort_keys=True, ensure_ascii=False, separators=(',', ':'))
        return hashlib.sha256(canonical.encode('utf-8')).hexdigest()
