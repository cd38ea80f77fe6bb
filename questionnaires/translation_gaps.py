"""Texts of a questionnaire that have no English version.

Officials can switch the answering pages to English; a text without an English version then
shows in Spanish in the middle of English ones. The builder lists these gaps before publishing.
"""
from __future__ import annotations

from dataclasses import dataclass

from .bilingual import Text
from .schema import Option, Question, Questionnaire


@dataclass(frozen=True)
class TranslationGap:
    """One Spanish text without English: which part it is, where, and the Spanish text itself."""

    part: str               # title, description, text, help, option, row, column
    section_key: str | None
    question_key: str | None
    spanish: str


def _lacks(text: Text | None) -> bool:
    return text is not None and bool(text.es) and not text.en


def _option_gaps(question: Question, section_key: str, part: str,
                 options: tuple[Option, ...]) -> list[TranslationGap]:
    return [TranslationGap(part, section_key, question.key, option.label.es)
            for option in options if _lacks(option.label)]


def translation_gaps(questionnaire: Questionnaire) -> list[TranslationGap]:
    """Every text of *questionnaire* written in Spanish only, in questionnaire order."""
    gaps = [TranslationGap(part, None, None, text.es)
            for part, text in (('title', questionnaire.title), ('description', questionnaire.description))
            if _lacks(text)]
    for section in questionnaire.sections:
        gaps += [TranslationGap(part, section.key, None, text.es)
                 for part, text in (('title', section.title), ('description', section.description)) if _lacks(text)]
        for question in section.questions:
            gaps += [TranslationGap(part, section.key, question.key, text.es)
                     for part, text in (('text', question.text), ('help', question.help)) if _lacks(text)]
            gaps += _option_gaps(question, section.key, 'option', question.options)
            gaps += _option_gaps(question, section.key, 'row', question.rows)
            gaps += _option_gaps(question, section.key, 'column', question.columns)
    return gaps
