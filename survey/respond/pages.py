"""What the answering pages show: the questions of a page, their messages, and the review of answers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import flash, session
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

import questionnaires
from questionnaires import AnswerError, Question, Questionnaire, Section
from survey.services import answer_messages

#: question types rendered as a fieldset: the error summary links to the block, not to an input
_FIELDSET_TYPES = ("single_choice", "multiple_choice", "yes_no", "likert", "matrix")


@dataclass(frozen=True)
class ShownCondition:
    """A show_if rule decided in the browser, with a description in words for officials."""

    rule: questionnaires.Condition
    text: str

    def to_document(self) -> dict:
        """The rule as JSON (read by showif.js)."""
        return self.rule.to_document()

    def describe(self, lang: str = "es") -> str:
        """The rule in words, with question texts and option labels instead of keys."""
        return self.text


class PageQuestion:
    """A question as a page renders it (``templates/_question.html`` reads the same attributes).

    ``show_if`` is kept only when the rule looks at a question on the same page (the browser
    decides); a rule on earlier pages is already decided by the saved answers.
    """

    def __init__(self, question: Question, show_if: ShownCondition | None, number: int,
                 is_open: bool = True) -> None:
        self._question = question
        self.show_if = show_if
        self.number = number
        #: whether the rule holds for the answers saved so far: a closed question is rendered hidden,
        #: so without JavaScript it is asked only after the answer that opens it has been saved
        self.is_open = is_open

    def __getattr__(self, name: str) -> Any:
        return getattr(self._question, name)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _value_words(question: Question, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    for option in question.options:
        if str(option.value) == str(value):
            return option.label.get(lang)
    return str(value)


def describe_rule(questionnaire: Questionnaire, rule: dict, lang: str) -> str:
    """A show_if rule (as a document) in words: «question» es «option label»."""
    if "all" in rule or "any" in rule:
        joiner = f" {_('y')} " if "all" in rule else f" {_('o')} "
        parts = rule.get("all") or rule.get("any")
        return joiner.join(f"({describe_rule(questionnaire, part, lang)})" if len(part) == 1 and (
            "all" in part or "any" in part) else describe_rule(questionnaire, part, lang) for part in parts)
    if "not" in rule:
        return _("no se cumple que %(rule)s", rule=describe_rule(questionnaire, rule["not"], lang))
    question = questionnaire.question(rule["question"])
    name = _short(question.text.get(lang))
    if "equals" in rule:
        return _("«%(question)s» es «%(value)s»", question=name, value=_value_words(question, rule["equals"], lang))
    if "not_equals" in rule:
        return _("«%(question)s» no es «%(value)s»", question=name,
                 value=_value_words(question, rule["not_equals"], lang))
    if "in" in rule:
        values = ", ".join(f"«{_value_words(question, item, lang)}»" for item in rule["in"])
        return _("«%(question)s» es una de: %(values)s", question=name, values=values)
    if "selected" in rule:
        return _("en «%(question)s» marcó «%(value)s»", question=name,
                 value=_value_words(question, rule["selected"], lang))
    if "gt" in rule:
        return _("«%(question)s» es mayor que %(value)s", question=name, value=rule["gt"])
    if "gte" in rule:
        return _("«%(question)s» es %(value)s o más", question=name, value=rule["gte"])
    if "lt" in rule:
        return _("«%(question)s» es menor que %(value)s", question=name, value=rule["lt"])
    return _("«%(question)s» es %(value)s o menos", question=name, value=rule.get("lte"))


def question_numbers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, int]:
    """The number of every question the official is asked under *answers*: 1, 2, 3… in questionnaire
    order over the visible questions only, so a question hidden by show-if leaves no gap.

    Pages, error summaries, notices and the review all use these numbers. On a page, a conditional
    question still closed has none of its own: without JavaScript it is not shown (it is asked after
    the save that opens it, and then numbered), and with JavaScript showif.js renumbers the page's
    questions as they open and close, from the page's first number.
    """
    visible = questionnaires.visible_keys(questionnaire, answers)
    shown = (question.key for question in questionnaire.questions if question.key in visible)
    return {key: number for number, key in enumerate(shown, 1)}


def page_questions(questionnaire: Questionnaire, section: Section, answers: Mapping[str, Any],
                   lang: str) -> list[PageQuestion]:
    """The questions to render on *section*'s page, numbered over the questions shown (see question_numbers)."""
    visible = questionnaires.visible_keys(questionnaire, answers)
    numbers = question_numbers(questionnaire, answers)
    on_page = {question.key for question in section.questions}
    shown = []
    following = _first_number(questionnaire, section, numbers)
    for question in section.questions:
        rule = question.show_if
        # A closed question takes the number the next shown one has (showif.js renumbers when it opens).
        number = numbers.get(question.key, following)
        following = number + 1 if question.key in numbers else following
        if rule is not None and set(rule.question_keys()) & on_page:
            text = describe_rule(questionnaire, rule.to_document(), lang)
            shown.append(PageQuestion(question, ShownCondition(rule, text), number, question.key in visible))
        elif rule is None or question.key in visible:
            shown.append(PageQuestion(question, None, number))
    return shown


def _first_number(questionnaire: Questionnaire, section: Section, numbers: Mapping[str, int]) -> int:
    """The number of the first question shown on *section*'s page: one after the earlier pages' questions."""
    start = questionnaire.position(section.questions[0].key) if section.questions else 0
    return 1 + sum(1 for key in numbers if questionnaire.position(key) < start)


def opened_notice(questionnaire: Questionnaire, keys: list[str], answers: Mapping[str, Any]) -> str:
    """What to tell an official whose answer (saved in *answers*) opened follow-up questions on the same page."""
    shown = question_numbers(questionnaire, answers)
    numbers = ", ".join(str(shown.get(key) or questionnaire.position(key) + 1) for key in keys)
    return ngettext("Según su respuesta, corresponde responder también la pregunta %(numbers)s.",
                    "Según su respuesta, corresponde responder también las preguntas %(numbers)s.",
                    len(keys), numbers=numbers)


def _dropped_text(questionnaire: Questionnaire, key: str, lang: str) -> str:
    question = questionnaire.question(key)
    rule = describe_rule(questionnaire, question.show_if.to_document(), lang) if question.show_if else ""
    return _("No guardamos lo que escribió en la pregunta %(number)s («%(question)s»): solo corresponde "
             "responderla si %(rule)s.", number=questionnaire.position(key) + 1,
             question=_short(question.text.get(lang)), rule=rule)


def remember_dropped(invitation_id: int, questionnaire: Questionnaire, keys: list[str], *, lang: str) -> None:
    """Tell the official, now and on the review page, which typed answers were not kept."""
    if not keys:
        return
    for key in keys:
        flash(_dropped_text(questionnaire, key, lang), "error")
    remembered = dict(session.get("survey_dropped", {}))
    earlier = remembered.get(str(invitation_id), [])
    remembered[str(invitation_id)] = earlier + [key for key in keys if key not in earlier]
    session["survey_dropped"] = remembered


def dropped_notices(invitation_id: int, questionnaire: Questionnaire, answers: Mapping[str, Any],
                    lang: str) -> list[str]:
    """For the review page: the typed answers not kept whose questions are still not asked."""
    visible = questionnaires.visible_keys(questionnaire, answers)
    keys = session.get("survey_dropped", {}).get(str(invitation_id), [])
    known = {question.key for question in questionnaire.questions}
    return [_dropped_text(questionnaire, key, lang) for key in keys if key in known and key not in visible]


def forget_dropped(invitation_id: int) -> None:
    """Once the answers are submitted, the notices have served."""
    remembered = dict(session.get("survey_dropped", {}))
    if remembered.pop(str(invitation_id), None) is not None:
        session["survey_dropped"] = remembered


def showif_context(questionnaire: Questionnaire, section: Section, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers from other pages that this page's show_if rules look at (visible answers only)."""
    visible = questionnaires.visible_keys(questionnaire, answers)
    on_page = {question.key for question in section.questions}
    wanted = {key for question in section.questions if question.show_if is not None
              for key in question.show_if.question_keys()} - on_page
    return {key: answers[key] for key in sorted(wanted) if key in visible and key in answers}


def typed_values(section: Section, form: MultiDict) -> dict[str, Any]:
    """What the official typed on the page, as the question macro shows it (to give it back on errors)."""
    values: dict[str, Any] = {}
    for question in section.questions:
        key = question.key
        if question.type == "multiple_choice":
            values[key] = form.getlist(key) or None
        elif question.type == "matrix" and question.cell_type == "integer":
            values[key] = {str(row.value): {str(col.value): form.get(f"{key}__{row.value}__{col.value}", "")
                                            for col in question.columns} for row in question.rows}
        elif question.type == "matrix":
            values[key] = {str(row.value): form[f"{key}__{row.value}"] for row in question.rows
                           if form.get(f"{key}__{row.value}")}
        else:
            values[key] = form.get(key)
    return values


@dataclass
class Messages:
    """Error messages of a page: by question key (next to fields) and as the summary at the top."""

    by_key: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)


def messages(questionnaire: Questionnaire, errors: list[AnswerError], lang: str,
             numbers: Mapping[str, int] | None = None) -> Messages:
    """Translate *errors* into messages next to each question and links in the error summary (in page order).

    *numbers*: the question numbers the page shows (question_numbers); without them, questionnaire positions.
    """
    numbers = numbers or {}
    result = Messages()
    for error in sorted(errors, key=lambda item: questionnaire.position(item.key)):
        text = answer_messages.message(questionnaire, error, lang)
        if text in result.by_key.get(error.key, []):
            continue
        question = questionnaire.question(error.key)
        anchor = f"q-{error.key}-block" if question.type in _FIELDSET_TYPES else f"q-{error.key}"
        result.by_key.setdefault(error.key, []).append(text)
        number = numbers.get(error.key) or questionnaire.position(error.key) + 1
        result.summary.append((anchor, _("Pregunta %(number)s: %(message)s", number=number, message=text)))
    return result


def _number_text(question: Question, value: Any) -> str:
    if question.type == "currency":
        return f"S/ {value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.{question.decimals or 2}f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def answer_lines(question: Question, value: Any, lang: str) -> list[str]:
    """An answer in words for the review page: option labels, Sí/No, dates as DD/MM/YYYY."""
    if value is None:
        return []
    if question.type == "multiple_choice":
        return [_value_words(question, item, lang) for item in value]
    if question.type == "matrix":
        rows = {str(row.value): row.label.get(lang) for row in question.rows}
        if question.cell_type == "integer":
            columns = {str(col.value): col.label.get(lang) for col in question.columns}
            return [f"{rows.get(str(row), row)}: " + ", ".join(f"{columns.get(str(col), col)} {number}"
                                                                for col, number in cells.items())
                    for row, cells in value.items()]
        return [f"{rows.get(str(row), row)}: {_value_words(question, cell, lang)}" for row, cell in value.items()]
    if question.type == "date":
        return [date.fromisoformat(value).strftime("%d/%m/%Y")]
    if question.type in ("yes_no", "single_choice"):
        return [_value_words(question, value, lang)]
    if question.type == "likert":
        label = _value_words(question, value, lang)
        return [str(value) if label == str(value) else f"{value} · {label}"]
    if question.is_numeric:
        return [_number_text(question, value)]
    return [str(value)]


@dataclass
class ReviewItem:
    """One visible question on the review page."""

    question: Question
    number: int
    lines: list[str]
    messages: list[str]
    is_missing: bool


@dataclass
class ReviewSection:
    """A section on the review page, with its items."""

    section: Section
    items: list[ReviewItem]


def review(questionnaire: Questionnaire, answers: Mapping[str, Any], lang: str) -> tuple[list[ReviewSection], int]:
    """Every visible question with its answer and messages; and the number of blocking errors."""
    check = questionnaires.check_answers(questionnaire, answers)
    visible = questionnaires.visible_keys(questionnaire, answers)
    numbers = question_numbers(questionnaire, answers)
    by_key = check.errors_by_key()
    sections = []
    for section in questionnaire.sections:
        items = []
        for question in section.questions:
            if question.key not in visible:
                continue
            problems = by_key.get(question.key, [])
            items.append(ReviewItem(
                question, numbers[question.key],
                answer_lines(question, check.cleaned.get(question.key), lang),
                [answer_messages.message(questionnaire, problem, lang) for problem in problems],
                any(problem.code == "required" for problem in problems),
            ))
        sections.append(ReviewSection(section, items))
    return sections, len(check.errors)
