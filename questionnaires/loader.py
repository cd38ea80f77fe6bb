"""``load``: turn a definition document into a Questionnaire, or report every problem at once."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .frameworks import BUILTIN_FRAMEWORKS, Axis, Framework
from .load_fields import (
    DOCUMENT_KEY_RE,
    QUESTION_KEY_RE,
    check_fields,
    iso_date,
    read_audience,
    read_key,
    read_text,
)
from .load_question import parse_question, question_place
from .load_references import check_audiences, check_references
from .problems import Problems, join_place
from .schema import FORMAT, Question, Questionnaire, Section

TOP_FIELDS = ('format', 'key', 'title', 'description', 'framework', 'sections')
#: Informational top-level keys kept verbatim (besides any ``x_*`` key).
TOP_INFO_FIELDS = ('reporting_period',)
SECTION_FIELDS = ('key', 'title', 'description', 'axis', 'audience', 'questions')


def load(document: Mapping) -> Questionnaire:
    """Build a Questionnaire from a definition document (see docs/definition-format.md).

    :raise DefinitionError: listing every problem found, each with its place, code and message.
    """
    problems = Problems()
    if not isinstance(document, Mapping):
        problems.add('', 'wrong_type', 'a definition must be a mapping')
        problems.raise_if_any()
    extra = check_fields(document, TOP_FIELDS, '', problems, info=TOP_INFO_FIELDS)
    version = document.get('format', FORMAT)
    if isinstance(version, bool) or version != FORMAT:
        problems.add('format', 'bad_value', f'format {version!r} is not supported (only {FORMAT})')
    key = read_key(document, 'key', '', problems, DOCUMENT_KEY_RE, 'questionnaire key')
    title = read_text(document, 'title', '', problems)
    description = read_text(document, 'description', '', problems, required=False)
    framework = _read_framework(document.get('framework'), problems)
    if 'reporting_period' in document:
        _check_period(document['reporting_period'], problems)
    sections = _read_sections(document.get('sections'), framework, problems)
    problems.raise_if_any()
    return Questionnaire(key=key, title=title, description=description, framework=framework,
                         sections=tuple(sections), extra=extra)


def _read_framework(doc: Any, problems: Problems) -> Framework | None:
    if doc is None:
        problems.add('framework', 'missing', 'framework is required (a built-in key or an inline framework)')
        return None
    if isinstance(doc, str):
        if doc not in BUILTIN_FRAMEWORKS:
            problems.add('framework', 'unknown_framework',
                         f'unknown framework {doc!r} (built-in: {", ".join(BUILTIN_FRAMEWORKS)})')
            return None
        return BUILTIN_FRAMEWORKS[doc]
    if not isinstance(doc, Mapping):
        problems.add('framework', 'wrong_type', 'framework must be a key or a mapping {key, name, axes}')
        return None
    check_fields(doc, ('key', 'name', 'axes'), 'framework', problems)
    key = read_key(doc, 'key', 'framework', problems, DOCUMENT_KEY_RE, 'framework key')
    name = read_text(doc, 'name', 'framework', problems)
    axes = _read_axes(doc.get('axes'), problems)
    if key is None or name is None or axes is None:
        return None
    framework = Framework(key, name, axes)
    if key in BUILTIN_FRAMEWORKS and BUILTIN_FRAMEWORKS[key] != framework:
        # A built-in key must always mean the same axes, or scores of two versions would not compare.
        problems.add('framework / key', 'bad_value', f'{key} is a built-in framework and cannot be redefined')
        return None
    return framework


def _read_axes(items: Any, problems: Problems) -> tuple[Axis, ...] | None:
    if not isinstance(items, list) or not items:
        problems.add('framework / axes', 'missing' if items is None else 'wrong_type',
                     'a framework needs a non-empty list of axes {key, name}')
        return None
    axes: list[Axis] = []
    for index, item in enumerate(items):
        place = f'framework / axes[{index}]'
        if not isinstance(item, Mapping):
            problems.add(place, 'wrong_type', 'an axis must be a mapping {key, name}')
            continue
        check_fields(item, ('key', 'name'), place, problems)
        key = read_key(item, 'key', place, problems, QUESTION_KEY_RE, 'axis key')
        name = read_text(item, 'name', place, problems)
        if key is not None and any(axis.key == key for axis in axes):
            problems.add(join_place(place, 'key'), 'duplicate_key', f'axis key {key} is used twice')
        elif key is not None and name is not None:
            axes.append(Axis(key, name))
    return tuple(axes) if len(axes) == len(items) else None


def _check_period(doc: Any, problems: Problems) -> None:
    # Informational, but the web app shows it and exports label files with it, so its shape is checked.
    if not isinstance(doc, Mapping):
        problems.add('reporting_period', 'wrong_type', 'reporting_period must be a mapping {start, end, label}')
        return
    check_fields(doc, ('start', 'end', 'label'), 'reporting_period', problems)
    start, end = iso_date(doc.get('start')), iso_date(doc.get('end'))
    for name, value in (('start', start), ('end', end)):
        if value is None or value != doc.get(name):
            problems.add(f'reporting_period / {name}', 'bad_value', f'{name} must be an ISO date string (YYYY-MM-DD)')
    if start and end and start > end:
        problems.add('reporting_period / start', 'min_gt_max', f'start {start} is after end {end}')
    read_text(doc, 'label', 'reporting_period', problems, required=False)


def _read_sections(items: Any, framework: Framework | None, problems: Problems) -> list[Section]:
    if not isinstance(items, list) or not items:
        problems.add('sections', 'missing' if items is None else 'empty',
                     'a definition needs a non-empty list of sections')
        return []
    sections: list[Section] = []
    section_keys: dict[str, str] = {}
    question_keys: dict[str, str] = {}
    entries: list[tuple[str, Question]] = []
    audiences: dict[str, str | None] = {}
    for index, doc in enumerate(items):
        raw_key = doc.get('key') if isinstance(doc, Mapping) else None
        place = f'sections[{index}] ({raw_key})' if isinstance(raw_key, str) and raw_key else f'sections[{index}]'
        if not isinstance(doc, Mapping):
            problems.add(place, 'wrong_type', 'a section must be a mapping')
            continue
        section, questions = _read_section(doc, place, framework, problems)
        for question, audience in questions:
            here = question_place(place, 0, question.key)
            if question.key in question_keys:
                problems.add(join_place(here, 'key'), 'duplicate_key',
                             f'question key {question.key} is already used in {question_keys[question.key]}')
            question_keys.setdefault(question.key, place)
            entries.append((here, question))
            audiences.setdefault(question.key, audience)
        if section is None:
            continue
        if section.key in section_keys:
            problems.add(join_place(place, 'key'), 'duplicate_key',
                         f'section key {section.key} is already used by {section_keys[section.key]}')
        section_keys.setdefault(section.key, place)
        sections.append(section)
    check_references(entries, problems)
    check_audiences(entries, audiences, problems)
    return sections


def _read_section(doc: Mapping, place: str, framework: Framework | None,
                  problems: Problems) -> tuple[Section | None, list[tuple[Question, str | None]]]:
    """Read one section; its usable questions (each with the audience it is asked to) are returned even
    when the section itself is not."""
    extra = check_fields(doc, SECTION_FIELDS, place, problems)
    key = read_key(doc, 'key', place, problems, QUESTION_KEY_RE, 'section key')
    title = read_text(doc, 'title', place, problems)
    description = read_text(doc, 'description', place, problems, required=False)
    axis = doc.get('axis')
    if axis is not None and framework is not None and axis not in framework.axis_keys:
        problems.add(join_place(place, 'axis'), 'unknown_axis',
                     f'unknown axis {axis!r} (framework {framework.key} has: {", ".join(framework.axis_keys)})')
    audience = read_audience(doc, place, problems)
    items = doc.get('questions')
    if not isinstance(items, list) or not items:
        problems.add(join_place(place, 'questions'), 'missing' if items is None else 'empty',
                     'a section needs a non-empty list of questions')
        items = []
    questions = []
    for index, item in enumerate(items):
        raw_key = item.get('key') if isinstance(item, Mapping) else None
        question_at = question_place(place, index, raw_key)
        question = parse_question(item, question_at, problems)
        if question is None:
            continue
        if question.score is not None and axis is None:
            problems.add(join_place(question_at, 'score'), 'score_without_axis',
                         'a scored question must be in a section with an axis')
        if audience is not None and question.audience not in (None, audience):
            problems.add(join_place(question_at, 'audience'), 'audience_conflict',
                         f'the question is for {question.audience} but its section is for {audience} only; '
                         'a question may narrow its section\'s audience, not contradict it')
        elif question.audience == audience:
            # Spelling out the section's audience changes nothing: kept canonical for the fingerprint.
            question = replace(question, audience=None)
        questions.append((question, question.audience or audience))
    if key is None or title is None:
        # The questions still take part in reference checks, so others pointing at them are not misreported.
        return None, questions
    return Section(key=key, title=title, description=description, axis=axis,
                   questions=tuple(question for question, _ in questions), extra=extra, audience=audience), questions
