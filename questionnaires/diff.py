"""Differences between two versions of a questionnaire, by stable keys (for review and the report's methodology)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .bilingual import Text
from .schema import Questionnaire, Section

#: Question fields compared, grouped as reviewers think of them; values come from ``to_document``.
FIELD_GROUPS = {
    'text': ('text',),
    'help': ('help',),
    'type': ('type',),
    'required': ('required',),
    'options': ('options', 'rows', 'columns'),
    'validation': ('min', 'max', 'pattern', 'decimals', 'currency', 'max_ref', 'max_ref_severity',
                   'exclusive_options', 'cell_type', 'cell_min', 'cell_max'),
    'show_if': ('show_if',),
    'score': ('score',),
    'audience': ('audience',),
    'evidence': ('evidence',),
}
_NON_INFO = {'key', *(name for names in FIELD_GROUPS.values() for name in names)}


@dataclass(frozen=True)
class FieldChange:
    """One changed field; ``before``/``after`` are definition fragments (None when absent)."""

    field: str
    before: Any
    after: Any

    def readable(self, lang: str = 'es') -> tuple[str, str]:
        """Return (before, after) as short human-readable strings in ``lang``, limited to what differs."""
        from .diff_text import readable_pair
        return readable_pair(self.field, self.before, self.after, lang)


@dataclass(frozen=True)
class QuestionChange:
    """A question added, removed, moved or changed; positions are 0-based within their section."""

    key: str
    text: Text
    section_before: str | None = None
    section_after: str | None = None
    position_before: int | None = None
    position_after: int | None = None
    fields: tuple[FieldChange, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the changed field groups (text, help, type, required, options, validation, ...)."""
        return tuple(change.field for change in self.fields)


@dataclass(frozen=True)
class SectionChange:
    """A section-level change: added, removed, moved, retitled, description_changed, axis_changed or
    audience_changed (None: everyone)."""

    key: str
    kind: str
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs between two versions; empty when they are equivalent."""

    header: tuple[FieldChange, ...]
    sections: tuple[SectionChange, ...]
    added: tuple[QuestionChange, ...]
    removed: tuple[QuestionChange, ...]
    moved: tuple[QuestionChange, ...]
    changed: tuple[QuestionChange, ...]

    @property
    def is_empty(self) -> bool:
        """True when nothing changed."""
        return not (self.header or self.sections or self.added or self.removed or self.moved or self.changed)

    def _header(self, name: str) -> FieldChange | None:
        return next((change for change in self.header if change.field == name), None)

    @property
    def title(self) -> FieldChange | None:
        """The title change, if any."""
        return self._header('title')

    @property
    def framework(self) -> FieldChange | None:
        """The framework change, if any."""
        return self._header('framework')

    def as_text(self, lang: str = 'es') -> str:
        """A readable multi-line summary in ``lang`` (es or en), for the CLI and review pages."""
        from .diff_text import render
        return render(self, lang)


def diff(old: Questionnaire, new: Questionnaire) -> VersionDiff:
    """Compare two versions of a questionnaire by section and question keys."""
    return VersionDiff(
        header=_header_changes(old, new),
        sections=_section_changes(old, new),
        added=tuple(_entry(new, key, after=True) for key in _keys(new) if key not in _keys(old)),
        removed=tuple(_entry(old, key, after=False) for key in _keys(old) if key not in _keys(new)),
        moved=_moved_questions(old, new),
        changed=_changed_questions(old, new),
    )


def _keys(questionnaire: Questionnaire) -> dict[str, None]:
    return {question.key: None for question in questionnaire.questions}


def _header_changes(old: Questionnaire, new: Questionnaire) -> tuple[FieldChange, ...]:
    before, after = old.to_document(), new.to_document()
    names = [name for name in dict.fromkeys([*before, *after]) if name not in ('sections', 'format')]
    return tuple(FieldChange(name, before.get(name), after.get(name)) for name in names
                 if before.get(name) != after.get(name))


def _stable(old_order: list[str], new_order: list[str]) -> set[str]:
    """Keys kept in the same relative order (the rest moved); not positions, so one insert moves nothing."""
    matcher = difflib.SequenceMatcher(None, old_order, new_order, autojunk=False)
    return {key for block in matcher.get_matching_blocks() for key in old_order[block.a:block.a + block.size]}


def _section_changes(old: Questionnaire, new: Questionnaire) -> tuple[SectionChange, ...]:
    old_by_key = {section.key: section for section in old.sections}
    new_by_key = {section.key: section for section in new.sections}
    changes = [SectionChange(key, 'added', after=section.title.to_document())
               for key, section in new_by_key.items() if key not in old_by_key]
    changes += [SectionChange(key, 'removed', before=section.title.to_document())
                for key, section in old_by_key.items() if key not in new_by_key]
    common_old = [key for key in old_by_key if key in new_by_key]
    common_new = [key for key in new_by_key if key in old_by_key]
    stable = _stable(common_old, common_new)
    for key in common_new:
        before, after = old_by_key[key], new_by_key[key]
        if key not in stable:
            changes.append(SectionChange(key, 'moved', common_old.index(key), common_new.index(key)))
        changes += _section_field_changes(before, after)
    return tuple(changes)


def _section_field_changes(before: Section, after: Section) -> list[SectionChange]:
    def doc(text: Text | None) -> dict | None:
        return text.to_document() if text is not None else None
    changes = []
    if before.title != after.title:
        changes.append(SectionChange(after.key, 'retitled', doc(before.title), doc(after.title)))
    if before.description != after.description:
        changes.append(SectionChange(after.key, 'description_changed', doc(before.description),
                                     doc(after.description)))
    if before.axis != after.axis:
        changes.append(SectionChange(after.key, 'axis_changed', before.axis, after.axis))
    if before.audience != after.audience:
        changes.append(SectionChange(after.key, 'audience_changed', before.audience, after.audience))
    return changes


def _place(questionnaire: Questionnaire, key: str) -> tuple[str, int]:
    section = questionnaire.section_of(key)
    return section.key, [question.key for question in section.questions].index(key)


def _entry(questionnaire: Questionnaire, key: str, after: bool, **extra: Any) -> QuestionChange:
    section, position = _place(questionnaire, key)
    where = ({'section_after': section, 'position_after': position} if after
             else {'section_before': section, 'position_before': position})
    return QuestionChange(key, questionnaire.question(key).text, **where, **extra)


def _full(old: Questionnaire, new: Questionnaire, key: str, fields: tuple = ()) -> QuestionChange:
    section_before, position_before = _place(old, key)
    section_after, position_after = _place(new, key)
    return QuestionChange(key, new.question(key).text, section_before, section_after, position_before,
                          position_after, fields)


def _moved_questions(old: Questionnaire, new: Questionnaire) -> tuple[QuestionChange, ...]:
    common = [key for key in _keys(new) if key in _keys(old)]
    moved = {key for key in common if old.section_of(key).key != new.section_of(key).key}
    for section in new.sections:
        # Questions that stayed in this section: compare their relative order in both versions.
        staying = [question.key for question in section.questions if question.key in common
                   and question.key not in moved]
        if staying:
            old_order = [question.key for question in old.section(section.key).questions if question.key in staying]
            moved |= set(staying) - _stable(old_order, staying)
    return tuple(_full(old, new, key) for key in common if key in moved)


def _group_value(document: dict, names: tuple[str, ...]) -> Any:
    if names == ('required',):
        return document.get('required', False)
    if len(names) == 1:
        return document.get(names[0])
    value = {name: document[name] for name in names if name in document}
    return value or None


def _changed_questions(old: Questionnaire, new: Questionnaire) -> tuple[QuestionChange, ...]:
    changes = []
    for key in _keys(new):
        if key not in _keys(old):
            continue
        before, after = old.question(key).to_document(), new.question(key).to_document()
        fields = [FieldChange(group, _group_value(before, names), _group_value(after, names))
                  for group, names in FIELD_GROUPS.items()
                  if _group_value(before, names) != _group_value(after, names)]
        info_before = {name: value for name, value in before.items() if name not in _NON_INFO}
        info_after = {name: value for name, value in after.items() if name not in _NON_INFO}
        if info_before != info_after:
            fields.append(FieldChange('info', info_before or None, info_after or None))
        if fields:
            changes.append(_full(old, new, key, tuple(fields)))
    return tuple(changes)
