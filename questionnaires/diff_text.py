"""Readable, bilingual rendering of a VersionDiff (CLI output and version review pages)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .conditions import parse_condition
from .problems import Problems

if TYPE_CHECKING:
    from .diff import QuestionChange, VersionDiff

_LABELS = {
    'en': {
        'none': 'No changes.', 'empty': '—', True: 'yes', False: 'no',
        'sections': 'Sections', 'questions': 'Questions',
        'added': 'added', 'removed': 'removed', 'moved': 'moved', 'changed': 'changed',
        'retitled': 'title', 'description_changed': 'description', 'axis_changed': 'axis',
        'section': 'section', 'title': 'Title', 'description': 'Description', 'framework': 'Framework',
        'audience_changed': 'audience', 'audience': 'audience', 'evidence': 'supporting documents',
        'optional': 'may be attached', 'required': 'required', 'no_evidence': 'not asked for',
        'state': 'State officials only', 'civil': 'civil society only', 'everyone': 'everyone',
    },
    'es': {
        'none': 'Sin cambios.', 'empty': '—', True: 'sí', False: 'no',
        'sections': 'Secciones', 'questions': 'Preguntas',
        'added': 'añadida', 'removed': 'eliminada', 'moved': 'movida', 'changed': 'modificada',
        'retitled': 'título', 'description_changed': 'descripción', 'axis_changed': 'eje',
        'section': 'sección', 'title': 'Título', 'description': 'Descripción', 'framework': 'Marco',
        'audience_changed': 'destinatarios', 'audience': 'destinatarios', 'evidence': 'documentos de sustento',
        'optional': 'se pueden adjuntar', 'required': 'obligatorios', 'no_evidence': 'no se piden',
        'state': 'solo funcionarios del Estado', 'civil': 'solo sociedad civil', 'everyone': 'todos',
    },
}


#: Pseudo-language showing every language of a text, used when a change only shows in the other one.
BOTH = '*'


def _labels(lang: str) -> dict:
    return _LABELS.get(lang, _LABELS['es'])


def _is_text(value: Any) -> bool:
    return isinstance(value, Mapping) and 'es' in value and set(value) <= {'es', 'en'}


def _compact(value: Any, lang: str) -> str:
    """Render any definition fragment briefly: texts in ``lang``, mappings as ``name=value``."""
    if value is None:
        return _labels(lang)['empty']
    if isinstance(value, bool):
        return _labels(lang)[value]
    if _is_text(value):
        if lang == BOTH:
            return ' | '.join(f'{code}: {text}' for code, text in value.items())
        return value.get(lang) or value['es']
    if isinstance(value, Mapping) and 'value' in value and 'label' in value:
        return f'{value["value"]} ({_compact(value["label"], lang)})'
    if isinstance(value, list):
        return ', '.join(_compact(item, lang) for item in value)
    if isinstance(value, Mapping):
        return ', '.join(f'{name}={_compact(item, lang) if not isinstance(item, (list, Mapping)) or _is_text(item) else json.dumps(item, ensure_ascii=False)}'  # noqa: E501
                         for name, item in value.items())
    return str(value)


def readable_value(field: str, value: Any, lang: str) -> str:
    """Render a changed field's value for people (conditions spelled out, texts in ``lang``)."""
    if field in ('audience', 'audience_changed'):
        return _labels('en' if lang == BOTH else lang)[value or 'everyone']
    if field == 'evidence':
        return _labels('en' if lang == BOTH else lang)[value or 'no_evidence']
    if field == 'show_if' and value is not None:
        condition = parse_condition(value, '', Problems())
        if condition is not None:
            return condition.describe(lang)
    return _compact(value, lang)


def _options_pair(before: Mapping | None, after: Mapping | None, lang: str) -> tuple[str, str]:
    """Only the options (rows, columns) that were removed, added or relabelled, plus reorders."""
    old_parts, new_parts = [], []
    for name in dict.fromkeys([*(before or {}), *(after or {})]):
        old = {str(item['value']): item for item in (before or {}).get(name, [])}
        new = {str(item['value']): item for item in (after or {}).get(name, [])}
        prefix = '' if name == 'options' else f'{name}: '
        for value, item in old.items():
            if value not in new or new[value] != item:
                old_parts.append(f'{prefix}{_compact(item, lang)}')
        for value, item in new.items():
            if value not in old or old[value] != item:
                new_parts.append(f'{prefix}{_compact(item, lang)}')
        kept_old = [value for value in old if value in new]
        kept_new = [value for value in new if value in old]
        if kept_old != kept_new:
            old_parts.append(f'{name} order: {", ".join(kept_old)}')
            new_parts.append(f'{name} order: {", ".join(kept_new)}')
    empty = _labels(lang)['empty']
    return '; '.join(old_parts) or empty, '; '.join(new_parts) or empty


def readable_pair(field: str, before: Any, after: Any, lang: str) -> tuple[str, str]:
    """Render a change as (before, after), showing only the parts that differ."""
    if field == 'options':
        pair = _options_pair(before, after, lang)
        return _options_pair(before, after, BOTH) if pair[0] == pair[1] else pair
    if isinstance(before, Mapping) and isinstance(after, Mapping) and not _is_text(before):
        changed = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
        before = {name: before[name] for name in changed if name in before} or None
        after = {name: after[name] for name in changed if name in after} or None
    pair = readable_value(field, before, lang), readable_value(field, after, lang)
    if pair[0] == pair[1]:
        # Only the other language changed: show every language so the change is visible.
        return readable_value(field, before, BOTH), readable_value(field, after, BOTH)
    return pair


def _where(section: str | None, position: int | None) -> str:
    return f'{section} #{position + 1}' if section is not None and position is not None else '—'


def _question_lines(change: QuestionChange, kind: str, lang: str) -> list[str]:
    labels = _labels(lang)
    text = change.text.get(lang)
    if kind == 'added':
        return [f'  + {change.key} ({labels["section"]} {_where(change.section_after, change.position_after)}): {text}']
    if kind == 'removed':
        return [f'  - {change.key} ({labels["section"]} {_where(change.section_before, change.position_before)}): '
                f'{text}']
    if kind == 'moved':
        return [f'  ↕ {change.key}: {_where(change.section_before, change.position_before)} → '
                f'{_where(change.section_after, change.position_after)}']
    lines = [f'  ~ {change.key}: {text}']
    for field_change in change.fields:
        before, after = field_change.readable(lang)
        name = labels[field_change.field] if field_change.field in ('audience', 'evidence') else field_change.field
        lines.append(f'      {name}: {before} → {after}')
    return lines


def render(diff: VersionDiff, lang: str = 'es') -> str:
    """Render ``diff`` as indented lines in ``lang``; an empty diff says so."""
    labels = _labels(lang)
    if diff.is_empty:
        return labels['none']
    lines = []
    for change in diff.header:
        before, after = readable_pair(change.field, change.before, change.after, lang)
        lines.append(f'{labels.get(change.field, change.field)}: {before} → {after}')
    if diff.sections:
        lines.append(f'{labels["sections"]}:')
        for change in diff.sections:
            if change.kind == 'added':
                lines.append(f'  + {change.key}: {_compact(change.after, lang)}')
            elif change.kind == 'removed':
                lines.append(f'  - {change.key}: {_compact(change.before, lang)}')
            elif change.kind == 'moved':
                lines.append(f'  ↕ {change.key}: #{change.before + 1} → #{change.after + 1}')
            else:
                before, after = readable_pair(change.kind, change.before, change.after, lang)
                lines.append(f'  ~ {change.key} {labels[change.kind]}: {before} → {after}')
    groups = (('added', diff.added), ('removed', diff.removed), ('moved', diff.moved), ('changed', diff.changed))
    if any(items for _, items in groups):
        lines.append(f'{labels["questions"]}:')
        for kind, items in groups:
            for change in items:
                lines.extend(_question_lines(change, kind, lang))
    return '\n'.join(lines)
