"""The questions of a round across the questionnaire versions its responses answered.

Responses keep the version they answered, so one round may hold answers to several
versions. Exports show the union of their question keys: the newest version's order and
wording, with questions that only older versions had slotted in after their predecessor,
and options, grid rows and columns that only older versions had appended.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import select

from questionnaires import Question, Questionnaire, Section
from survey.extensions import db
from survey.models import QuestionnaireVersion, Response, Round


@dataclass(frozen=True)
class Entry:
    """One question key of the round: its (merged) question, section and the versions holding it."""

    question: Question
    section: Section
    versions: tuple[int, ...]

    @property
    def key(self) -> str:
        """The question key."""
        return self.question.key

    @property
    def axis(self) -> str | None:
        """The axis of the question's section (None for profile questions)."""
        return self.section.axis


class RoundQuestions:
    """The merged, ordered questions of one or more versions (oldest first in *versions*)."""

    def __init__(self, versions: list[tuple[int, Questionnaire]]):
        if not versions:
            raise ValueError("at least one questionnaire version is needed")
        self.versions = sorted(versions, key=lambda pair: pair[0])
        self.questionnaire = self.versions[-1][1]
        self.entries: list[Entry] = _merge(self.versions)
        self._by_key = {entry.key: entry for entry in self.entries}

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Entry | None:
        """The entry of *key*, or None."""
        return self._by_key.get(key)

    @property
    def version_numbers(self) -> list[int]:
        """The version numbers merged, ascending."""
        return [number for number, _ in self.versions]

    @property
    def framework(self):
        """The newest version's policy framework."""
        return self.questionnaire.framework

    def on_axis(self, axis: str | None) -> list[Entry]:
        """The entries of sections on *axis* (None: profile sections), in order."""
        return [entry for entry in self.entries if entry.axis == axis]


def _merge(versions: list[tuple[int, Questionnaire]]) -> list[Entry]:
    newest_number, newest = versions[-1]
    merged: list[Entry] = [Entry(q, newest.section_of(q.key), (newest_number,)) for q in newest.questions]
    for number, older in reversed(versions[:-1]):
        position = -1
        for question in older.questions:
            index = next((i for i, e in enumerate(merged) if e.key == question.key), None)
            if index is None:
                position += 1
                merged.insert(position, Entry(question, older.section_of(question.key), (number,)))
                continue
            entry = merged[index]
            merged[index] = Entry(_union(entry.question, question), entry.section, (number, *entry.versions))
            position = index
    return merged


def _union(newer: Question, older: Question) -> Question:
    """*newer* with the options, rows and columns only *older* had appended (same type only)."""
    if newer.type != older.type:
        return newer
    changes = {}
    for name in ("options", "rows", "columns"):
        known = {(type(o.value), o.value) for o in getattr(newer, name)}
        extra = tuple(o for o in getattr(older, name) if (type(o.value), o.value) not in known)
        if extra:
            changes[name] = getattr(newer, name) + extra
    return replace(newer, **changes) if changes else newer


def for_round(round_: Round) -> RoundQuestions:
    """The merged questions of the round's current version and of every version its submitted responses answered."""
    version_ids = set(db.session.scalars(
        select(Response.version_id).distinct()
        .where(Response.round_id == round_.id, Response.submitted_at.is_not(None))
    ))
    version_ids.add(round_.version_id)
    rows = db.session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids)))
    return RoundQuestions([(row.number, row.load()) for row in rows])
