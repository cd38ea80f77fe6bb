"""Import of the survey sheet's structure: rows into a group tree, top-level groups into sections.

Also the fields every question row has (key, label, hint, required, score...), read by :meth:`common`.
"""
from __future__ import annotations

import re

from .cells import _blank, _classify, _flag, _label, _Sheet, _text, _typed
from .common import DEFAULT_SECTION_TITLE, METADATA_TYPES
from .import_base import _Condition, _ImporterBase, _Node, _Pending


class _SectionReader(_ImporterBase):
    """Builds the group tree and the sections; questions are read by the question and matrix readers."""

    def build_tree(self, survey: _Sheet) -> list:
        root: list = []
        stack: list[_Node] = []
        for number, values in survey.rows:
            type_text = _text(survey.get(values, 'type'))
            if type_text is None:
                if any(not _blank(survey.get(values, column)) for column in ('name', 'label')):
                    self.problem('survey', number, 'type', 'missing type')
                continue
            kind, list_name = _classify(type_text)
            if kind in ('end group', 'end repeat'):
                if not stack:
                    self.problem('survey', number, 'type', f'"{type_text}" without a matching "begin group"')
                else:
                    stack.pop()
                continue
            node = _Node(number, values, kind, type_text, list_name)
            (stack[-1].children if stack else root).append(node)
            if kind in ('begin group', 'begin repeat'):
                node.children = []
                stack.append(node)
        for node in stack:
            name = _text(survey.get(node.values, 'name')) or '?'
            self.problem('survey', node.number, 'type', f'group "{name}" is never closed ("end group" is missing)')
        return root

    def name(self, node: _Node) -> str | None:
        name = _text(self.survey.get(node.values, 'name'))
        if name is None:
            self.problem('survey', node.number, 'name', 'missing name')
        return name

    def is_matrix(self, node: _Node) -> bool:
        appearance = (_text(self.survey.get(node.values, 'appearance')) or '').lower().split()
        return node.kind == 'begin group' and (
            _text(self.survey.get(node.values, 'x_type')) == 'matrix' or 'table-list' in appearance)

    def group_condition(self, node: _Node, conditions: list) -> list:
        text = _text(self.survey.get(node.values, 'relevant'))
        if text is None:
            return conditions
        condition = _Condition(node.number, text)
        self.conditions.append(condition)
        return conditions + [condition]

    def read_sections(self, root: list) -> list:
        sections: list = []
        section_rows: dict = {}
        names = {_text(self.survey.get(node.values, 'name')) for node in root if node.kind == 'begin group'}
        default = None
        for node in root:
            if node.kind == 'begin group' and not self.is_matrix(node):
                default = None
                section = self.read_section(node, section_rows)
                sections.append(section)
                for child in node.children:
                    self.add(section, child, self.group_condition(node, []))
                continue
            if node.kind in METADATA_TYPES:
                continue
            if default is None:
                key, count = 'general', 1
                while key in names:
                    count += 1
                    key = f'general_{count}'
                names.add(key)
                default = {'key': key, 'title': dict(DEFAULT_SECTION_TITLE), 'axis': None, 'questions': []}
                sections.append(default)
            self.add(default, node, [])
        return sections

    def read_section(self, node: _Node, section_rows: dict) -> dict:
        survey = self.survey
        key = self.name(node)
        if key is not None and key in section_rows:
            self.problem('survey', node.number, 'name', f'duplicate section name "{key}" '
                                                        f'(already on row {section_rows[key]})')
        section_rows.setdefault(key, node.number)
        section: dict = {'key': key}
        title = self.bilingual(survey, node.number, node.values, 'label', 'group label (section title)')
        if title:
            section['title'] = title
        description = self.bilingual(survey, node.number, node.values, 'hint', None)
        if description:
            section['description'] = description
        section['axis'] = _text(survey.get(node.values, 'axis'))
        audience = _text(survey.get(node.values, 'x_audience'))
        if audience is not None:
            section['audience'] = audience
        self.merge_extra(survey, node.number, node.values, section)
        section['questions'] = []
        x_type = _text(survey.get(node.values, 'x_type'))
        if x_type is not None:
            self.problem('survey', node.number, 'x_type', f'x_type "{x_type}" does not fit a section group')
        return section

    def add(self, section: dict, node: _Node, conditions: list) -> None:
        if node.kind == 'begin repeat':
            self.problem('survey', node.number, 'type', f'unsupported type "{node.type_text}" (repeats)')
        if node.kind == 'begin group' and self.is_matrix(node):
            question = self.read_matrix(node, conditions)
        elif node.children is not None:
            inner = self.group_condition(node, conditions)
            for child in node.children:
                self.add(section, child, inner)
            return
        else:
            question = self.read_question(node, conditions)
        if question is not None:
            section['questions'].append(question)

    def common(self, node: _Node, conditions: list, qtype: str, options: list | None = None) -> dict | None:
        """Key, text, help, required, score, pnat_link, audience, evidence; registers the question for pass two."""
        survey = self.survey
        key = self.name(node)
        if key is not None and key in self.questions:
            self.problem('survey', node.number, 'name', f'duplicate question name "{key}" '
                                                        f'(already on row {self.questions[key]})')
            key = None
        if key is None:
            return None
        self.questions[key] = node.number
        self.info[key] = (qtype, options if qtype != 'matrix' else None)
        doc: dict = {'key': key, 'type': qtype}
        doc['text'] = self.bilingual(survey, node.number, node.values, 'label', 'label') or {}
        help_text = self.bilingual(survey, node.number, node.values, 'hint', None)
        if help_text:
            doc['help'] = help_text
        doc['required'] = self.required(node)
        score = self.json_cell(survey, node.number, node.values, 'score', dict)
        if score is not None:
            doc['score'] = score
        link = _label(survey.get(node.values, 'x_pnat_link'))
        if link is not None:
            doc['pnat_link'] = link
        audience = _text(survey.get(node.values, 'x_audience'))
        if audience is not None:
            doc['audience'] = audience
        evidence = _text(survey.get(node.values, 'x_evidence'))
        if evidence is not None:
            doc['evidence'] = evidence
        self.pending.append(_Pending(doc, node, conditions, qtype, options))
        return doc

    def required(self, node: _Node) -> bool:
        value = self.survey.get(node.values, 'required')
        flag = _flag(value)
        if flag is None:
            self.problem('survey', node.number, 'required', f'cannot map required "{value}" (use yes or no)')
            return False
        return flag

    def integer_cell(self, node: _Node, column: str) -> int | None:
        value = _typed(self.survey.get(node.values, column))
        if value is not None and ((isinstance(value, str) and not re.fullmatch(r'-?\d+', value))
                                  or isinstance(value, float)):
            self.problem('survey', node.number, column, f'{value!r} is not an integer')
            return None
        return int(value) if value is not None else None

    def choice_list(self, node: _Node) -> list | None:
        options = self.lists.get(node.list_name)
        if options is None:
            self.problem('survey', node.number, 'type', f'choice list "{node.list_name}" is not on the choices sheet')
        return options
