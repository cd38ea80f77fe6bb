"""Pure edits of a draft definition document.

Each function returns a new document and never changes its input, so a refused edit leaves
nothing half-applied. Structural mistakes (an unknown key) raise :class:`LookupError`; whether
the result is a valid questionnaire is decided by :func:`check`, which runs the same
``questionnaires.load`` as an import.
"""
from __future__ import annotations

import copy
from typing import Any

import questionnaires

Document = dict[str, Any]


def check(document: Document) -> list[questionnaires.Problem]:
    """Return every problem of *document* as ``questionnaires.load`` reports it ([] when valid)."""
    try:
        questionnaires.load(document)
    except questionnaires.DefinitionError as exc:
        return exc.problems
    return []


def section_index(document: Document, key: str) -> int:
    """Position of section *key*; LookupError when absent."""
    for index, section in enumerate(document.get("sections", [])):
        if section.get("key") == key:
            return index
    raise LookupError(f"no section {key}")


def locate(document: Document, key: str) -> tuple[int, int]:
    """(section index, question index) of question *key*; LookupError when absent."""
    for s_index, section in enumerate(document.get("sections", [])):
        for q_index, question in enumerate(section.get("questions", [])):
            if question.get("key") == key:
                return s_index, q_index
    raise LookupError(f"no question {key}")


def section_place(document: Document, index: int) -> list[str]:
    """The places ``load`` uses for section *index* (by key, or by index when the key is unusable)."""
    key = document["sections"][index].get("key")
    places = [f"sections[{index}]"]
    if isinstance(key, str) and key:
        places.insert(0, f"sections[{index}] ({key})")
    return places


def question_places(document: Document, s_index: int, q_index: int) -> list[str]:
    """The places ``load`` may use for a question: by key, or by position when the key is unusable."""
    key = document["sections"][s_index]["questions"][q_index].get("key")
    places = []
    for section in section_place(document, s_index):
        if isinstance(key, str) and key:
            places.append(f"{section} / question {key}")
        places.append(f"{section} / questions[{q_index}]")
    return places


def set_header(document: Document, header: Document) -> Document:
    """Replace title, description and framework (a None description is removed)."""
    new = copy.deepcopy(document)
    for name in ("title", "description", "framework"):
        if header.get(name) is None:
            new.pop(name, None)
        else:
            new[name] = copy.deepcopy(header[name])
    return new


def add_section(document: Document, section: Document, position: int | None = None) -> Document:
    """Insert *section* (with its questions) at *position* (default: at the end)."""
    new = copy.deepcopy(document)
    sections = new.setdefault("sections", [])
    sections.insert(len(sections) if position is None else position, copy.deepcopy(section))
    return new


def replace_section(document: Document, key: str, fields: Document) -> Document:
    """Replace the fields of section *key* by *fields*, keeping its questions and extra keys."""
    new = copy.deepcopy(document)
    section = new["sections"][section_index(new, key)]
    for name in ("key", "title", "description", "audience"):
        if fields.get(name) is None:
            section.pop(name, None)
        else:
            section[name] = copy.deepcopy(fields[name])
    section["axis"] = fields.get("axis")
    return new


def move_section(document: Document, key: str, offset: int) -> Document:
    """Move section *key* by *offset* places (clamped at both ends)."""
    new = copy.deepcopy(document)
    sections = new["sections"]
    index = section_index(new, key)
    target = max(0, min(len(sections) - 1, index + offset))
    sections.insert(target, sections.pop(index))
    return new


def delete_section(document: Document, key: str) -> Document:
    """Remove section *key* and its questions."""
    new = copy.deepcopy(document)
    del new["sections"][section_index(new, key)]
    return new


def add_question(document: Document, section_key: str, question: Document, position: int | None = None) -> Document:
    """Insert *question* in section *section_key* at *position* (default: at the end)."""
    new = copy.deepcopy(document)
    questions = new["sections"][section_index(new, section_key)].setdefault("questions", [])
    questions.insert(len(questions) if position is None else position, copy.deepcopy(question))
    return new


def replace_question(document: Document, key: str, question: Document) -> Document:
    """Put *question* in place of question *key*.

    When its key changes, the show-if conditions, ``max_ref`` and ratio denominators of the other
    questions follow the new key, so a rename does not break the questions that depend on it.
    """
    new = copy.deepcopy(document)
    s_index, q_index = locate(new, key)
    new["sections"][s_index]["questions"][q_index] = copy.deepcopy(question)
    renamed = question.get("key")
    if isinstance(renamed, str) and renamed and renamed != key:
        for section in new["sections"]:
            for other in section.get("questions", []):
                if other is not new["sections"][s_index]["questions"][q_index]:
                    _rename_references(other, key, renamed)
    return new


def _rename_references(question: Document, old: str, new: str) -> None:
    if question.get("max_ref") == old:
        question["max_ref"] = new
    score = question.get("score")
    if isinstance(score, dict) and score.get("denominator") == old:
        score["denominator"] = new
    if "show_if" in question:
        question["show_if"] = _rename_in_condition(question["show_if"], old, new)


def _rename_in_condition(condition: Any, old: str, new: str) -> Any:
    if isinstance(condition, list):
        return [_rename_in_condition(part, old, new) for part in condition]
    if not isinstance(condition, dict):
        return condition
    renamed = {name: _rename_in_condition(part, old, new) if name in ("all", "any", "not") else part
               for name, part in condition.items()}
    if renamed.get("question") == old:
        renamed["question"] = new
    return renamed


def move_question(document: Document, key: str, offset: int) -> Document:
    """Move question *key* one place up (-1) or down (+1).

    At the edge of its section it crosses into the neighbouring section (end of the previous
    one, start of the next one), so any order can be reached with the two buttons alone.
    """
    new = copy.deepcopy(document)
    sections = new["sections"]
    s_index, q_index = locate(new, key)
    questions = sections[s_index]["questions"]
    target = q_index + (1 if offset > 0 else -1)
    if 0 <= target < len(questions):
        questions.insert(target, questions.pop(q_index))
    elif target < 0 and s_index > 0:
        sections[s_index - 1]["questions"].append(questions.pop(q_index))
    elif target >= len(questions) and s_index < len(sections) - 1:
        sections[s_index + 1]["questions"].insert(0, questions.pop(q_index))
    return new


def delete_question(document: Document, key: str) -> Document:
    """Remove question *key*."""
    new = copy.deepcopy(document)
    s_index, q_index = locate(new, key)
    del new["sections"][s_index]["questions"][q_index]
    return new


def reorder(document: Document, order: list[tuple[str, list[str]]]) -> Document:
    """Put sections and questions in *order*: [(section key, [question keys])] covering every key once.

    LookupError when *order* names an unknown key or leaves one out, so a stale page cannot drop
    questions.
    """
    sections = {section.get("key"): section for section in document.get("sections", [])}
    questions = {q.get("key"): q for section in sections.values() for q in section.get("questions", [])}
    named_sections = [key for key, _ in order]
    named_questions = [key for _, keys in order for key in keys]
    if sorted(named_sections) != sorted(sections) or sorted(named_questions) != sorted(questions):
        raise LookupError("the order must name every section and question exactly once")
    new = copy.deepcopy(document)
    new["sections"] = [
        {**copy.deepcopy({k: v for k, v in sections[s_key].items() if k != "questions"}),
         "questions": [copy.deepcopy(questions[q_key]) for q_key in q_keys]}
        for s_key, q_keys in order
    ]
    return new


def earlier_questions(document: Document, key: str | None, section_key: str | None = None) -> list[Document]:
    """Questions before question *key* (or, for a new question, before the end of *section_key*)."""
    earlier = []
    for section in document.get("sections", []):
        for question in section.get("questions", []):
            if key is not None and question.get("key") == key:
                return earlier
            earlier.append(question)
        if key is None and section.get("key") == section_key:
            return earlier
    return earlier


#: the text of the example question a new section starts with (a section cannot be empty); a draft
#: still holding it cannot be published
PLACEHOLDER_TEXT: Document = {"es": "Nueva pregunta", "en": "New question"}


def placeholder_question(key: str) -> Document:
    """The example question *key* that a new section holds until the editor writes a real one."""
    return {"key": key, "type": "text", "text": dict(PLACEHOLDER_TEXT)}


def is_placeholder(question: Document) -> bool:
    """True when *question* still has the example text, in either language."""
    text = question.get("text") or {}
    return any(str(text.get(lang) or "").strip().casefold() == example.casefold()
               for lang, example in PLACEHOLDER_TEXT.items())


def placeholder_keys(document: Document) -> list[str]:
    """The keys of the questions of *document* that still have the example text, in order."""
    return [question.get("key", "") for section in document.get("sections", [])
            for question in section.get("questions", []) if is_placeholder(question)]


def starter_document(key: str, title: Document, framework: Any, description: Document | None = None) -> Document:
    """A new questionnaire: one section with one example question, the smallest valid definition."""
    document: Document = {"format": 1, "key": key, "title": title}
    if description:
        document["description"] = description
    document["framework"] = framework
    document["sections"] = [{
        "key": "seccion_1",
        "title": {"es": "Sección 1", "en": "Section 1"},
        "axis": None,
        "questions": [placeholder_question("pregunta_1")],
    }]
    return document
