"""Import of the settings sheet (questionnaire key, title, framework...) and the choices sheet (option lists).

Both are read before the survey sheet, so that every select row finds its list and the default language is known.
"""
from __future__ import annotations

from ..frameworks import BUILTIN_FRAMEWORKS
from .cells import _language, _text, _typed
from .common import LANGUAGE_NAMES
from .import_base import _ImporterBase


class _SettingsReader(_ImporterBase):
    """Reads the settings and choices sheets; the choice lists are kept for the survey rows."""

    def read_settings(self) -> dict:
        document: dict = {'format': 1}
        sheet = self.sheets.get('settings')
        if sheet is None or not sheet.rows:
            self.problem('settings', None, None, 'missing settings (form_id and form_title are required)')
            return document
        number, values = sheet.rows[0]
        language = _text(sheet.get(values, 'default_language'))
        if language and _language(language) in LANGUAGE_NAMES:
            self.default_lang = _language(language)
        key = _text(sheet.get(values, 'form_id')) or _text(sheet.get(values, 'id_string'))
        if key is None:
            self.problem('settings', number, 'form_id', 'missing form_id (the questionnaire key)')
        else:
            document['key'] = key
        title = self.bilingual(sheet, number, values, 'x_form_title', None) or {}
        title.update(self.bilingual(sheet, number, values, 'form_title', 'form_title' if 'es' not in title else None)
                     or {})
        if title:
            document['title'] = title
        description = self.bilingual(sheet, number, values, 'description', None)
        if description:
            document['description'] = description
        framework = _text(sheet.get(values, 'framework'))
        if framework is not None:
            document['framework'] = (self.json_cell(sheet, number, values, 'framework', dict)
                                     if framework.startswith('{') else framework)
        period = self.json_cell(sheet, number, values, 'reporting_period', dict)
        if period is not None:
            document['reporting_period'] = period
        self.merge_extra(sheet, number, values, document)
        return document

    def infer_framework(self, document: dict) -> None:
        """Without a ``framework`` setting (KoboToolbox and ODK users never write one), pick the
        built-in framework whose axes hold every axis key the groups use; a problem if none does."""
        if 'framework' in document:
            return
        used = sorted({section['axis'] for section in document.get('sections', ()) if section.get('axis')})
        fitting = [framework.key for framework in BUILTIN_FRAMEWORKS.values() if set(used) <= set(framework.axis_keys)]
        if fitting:
            document['framework'] = fitting[0]
            return
        sheet = self.sheets.get('settings')
        row = sheet.rows[0][0] if sheet is not None and sheet.rows else None
        known = '; '.join(f'{framework.key} ({", ".join(framework.axis_keys)})'
                          for framework in BUILTIN_FRAMEWORKS.values())
        self.problem('settings', row, 'framework',
                     f'no built-in framework has the axes {", ".join(used)}: add a "framework" column with one '
                     f'of {known}, or the JSON of a framework of your own',
                     code='framework_unknown_axes', axes=', '.join(used), frameworks=known)

    def read_choices(self) -> None:
        sheet = self.sheets.get('choices')
        if sheet is None:
            return
        seen: dict = {}
        for number, values in sheet.rows:
            list_name = _text(sheet.get(values, 'list_name'))
            value = _typed(sheet.get(values, 'name'))
            if list_name is None and value is None:
                continue
            if list_name is None:
                self.problem('choices', number, 'list_name', 'missing list name')
                continue
            if value is None:
                self.problem('choices', number, 'name', 'missing choice name')
                continue
            if (list_name, type(value), value) in seen:
                self.problem('choices', number, 'name', f'duplicate choice "{value}" in list "{list_name}" '
                                                        f'(already on row {seen[list_name, type(value), value]})')
                continue
            seen[list_name, type(value), value] = number
            label = self.bilingual(sheet, number, values, 'label', 'label')
            self.lists.setdefault(list_name, []).append({'value': value, 'label': label or {}})
