"""Plausibility flags: a number far from what the same organisation reported in the previous round, or
outside the usual range (percentiles) of the round's answers. A warning, never a block.

The previous round of an answer is the latest closed round, opened before this one, in which the same
organisation (``Invitation.organisation_id``) submitted an answer to a question with the same key: the
rounds of one questionnaire, or of questionnaires that share keys. Staff lists get every flag of a round
from two statements (:func:`round_flags`); the review page computes one response's (:func:`flags_for`).
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true

from survey.extensions import db
from survey.models import (
    Answer,
    Invitation,
    PlausibilityNote,
    PlausibilityRule,
    Response,
    Round,
)
from survey.models._types import utcnow

#: the kinds of question whose answers are compared: numbers, amounts and counts
NUMERIC_TYPES = ("integer", "decimal", "currency")


@dataclass(frozen=True)
class Rule:
    """When a number is flagged (the defaults when a round has no rule of its own)."""

    change_ratio: float = 0.5
    change_absolute: float = 5.0
    percentile_low: float = 1.0
    percentile_high: float = 99.0
    percentile_min_count: int = 20

    def is_large_change(self, value: float, previous: float) -> bool:
        """True when *value* moved from *previous* by more than the ratio and more than the absolute amount."""
        difference = abs(value - previous)
        return difference > self.change_absolute and difference > self.change_ratio * abs(previous)


@dataclass(frozen=True)
class Flag:
    """One flagged answer: ``kind`` is "change" (against ``previous``) or "percentile" (outside low–high)."""

    response_id: int
    question_key: str
    kind: str
    value: float
    previous: float | None = None
    previous_round: str = ""
    low: float | None = None
    high: float | None = None


def rule_for(round_id: int) -> Rule:
    """The round's rule, or the defaults."""
    row = db.session.get(PlausibilityRule, round_id)
    if row is None:
        return Rule()
    return Rule(row.change_ratio, row.change_absolute, row.percentile_low, row.percentile_high,
                row.percentile_min_count)


def set_rule(round_id: int, rule: Rule) -> PlausibilityRule:
    """Store the round's rule (the CHECK constraints refuse nonsense); flushes."""
    row = db.session.get(PlausibilityRule, round_id) or PlausibilityRule(round_id=round_id)
    row.change_ratio, row.change_absolute = rule.change_ratio, rule.change_absolute
    row.percentile_low, row.percentile_high = rule.percentile_low, rule.percentile_high
    row.percentile_min_count, row.updated_at = rule.percentile_min_count, utcnow()
    db.session.add(row)
    db.session.flush()
    return row


def numeric_keys(questionnaire) -> list[str]:
    """Keys of the questionnaire's numbers, amounts and counts."""
    return [question.key for question in questionnaire.questions if question.type in NUMERIC_TYPES]


_ORGANISATION = func.coalesce(Response.organisation_id, Invitation.organisation_id)


def previous_values(round_: Round, keys: Iterable[str], organisation_id: int | None = None) -> Select:
    """SELECT organisation_id, question_key, number, round title: the latest previous answer per organisation
    and key (see the module's docstring), for every organisation or only *organisation_id*."""
    keys = sorted(set(keys))
    rank = func.row_number().over(partition_by=(_ORGANISATION, Answer.question_key),
                                  order_by=(Round.opens_at.desc(), Round.id.desc()))
    candidates = (
        select(_ORGANISATION.label("organisation_id"), Answer.question_key, Answer.number,
               Round.title.label("round_title"), rank.label("rank"))
        .join(Response, Response.id == Answer.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(Round, Round.id == Answer.round_id)
        .where(Round.status == "closed", Round.opens_at < round_.opens_at, Round.id != round_.id,
               Answer.item == "", Answer.number.is_not(None), Answer.question_key.in_(keys),
               _ORGANISATION.is_not(None) if organisation_id is None else organisation_id == _ORGANISATION)
        .subquery()
    )
    return (select(candidates.c.organisation_id, candidates.c.question_key, candidates.c.number,
                   candidates.c.round_title).where(candidates.c.rank == 1))


def bounds(round_id: int, keys: Iterable[str], rule: Rule) -> dict[str, tuple[float, float]]:
    """Key -> (low, high) percentiles of the round's submitted answers; keys with too few answers left out."""
    rows = db.session.connection().execute(select(Answer.question_key, Answer.number).where(
        Answer.round_id == round_id, Answer.item == "", Answer.number.is_not(None),
        Answer.question_key.in_(sorted(set(keys)))))
    return _percentiles(rows, rule)


def _percentiles(rows: Iterable[tuple[str, float]], rule: Rule) -> dict[str, tuple[float, float]]:
    numbers: dict[str, list[float]] = defaultdict(list)
    for key, number in rows:
        numbers[key].append(number)
    result = {}
    for key, values in numbers.items():
        if len(values) < max(rule.percentile_min_count, 2):
            continue
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        low = min(values) if rule.percentile_low <= 0 else cuts[int(rule.percentile_low) - 1]
        high = max(values) if rule.percentile_high >= 100 else cuts[int(rule.percentile_high) - 1]
        result[key] = (low, high)
    return result


def _flags(response_id: int, key: str, value: float, previous: tuple[float, str] | None,
           limits: tuple[float, float] | None, rule: Rule) -> list[Flag]:
    flags = []
    if previous is not None and rule.is_large_change(value, previous[0]):
        flags.append(Flag(response_id, key, "change", value, previous[0], previous[1]))
    if limits is not None and not limits[0] <= value <= limits[1]:
        flags.append(Flag(response_id, key, "percentile", value, low=limits[0], high=limits[1]))
    return flags


def flags_for(invitation: Invitation, response: Response | None, questionnaire,
              answers: Mapping[str, Any]) -> list[Flag]:
    """The flags of *answers* (one response, before or after submitting), in questionnaire order."""
    keys = [key for key in numeric_keys(questionnaire) if isinstance(answers.get(key), int | float)]
    if not keys or response is None:
        return []
    round_ = invitation.round
    rule = rule_for(round_.id)
    organisation_id = response.organisation_id or invitation.organisation_id
    previous = {}
    if organisation_id is not None:
        previous = {row.question_key: (row.number, row.round_title)
                    for row in db.session.execute(previous_values(round_, keys, organisation_id))}
    limits = bounds(round_.id, keys, rule)
    return [flag for key in keys
            for flag in _flags(response.id, key, float(answers[key]), previous.get(key), limits.get(key), rule)]


def round_flags(round_: Round, keys: Iterable[str], where: ColumnElement[bool] | None = None) -> list[Flag]:
    """Every flag of the round's submitted answers to *keys*, limited by *where* (a clause on invitations).

    Two statements, joined here by (organisation, key): joined in SQL, PostgreSQL with stale statistics
    (a round just answered, before autovacuum analyses it) planned a nested loop that re-ran the window
    over the previous round once per answer, 184 times the bare query at 200 responses.
    """
    keys = sorted(set(keys))
    rule = rule_for(round_.id)
    # Core rows, not ORM ones: a round is tens of thousands of answers and the rows are only unpacked.
    connection = db.session.connection()
    previous = {(organisation_id, key): (number, title)
                for organisation_id, key, number, title in connection.execute(previous_values(round_, keys))}
    # Every answer of the round is read (the percentiles are the whole round's); *where* marks those flagged.
    rows = connection.execute(
        select(Answer.response_id, Answer.question_key, Answer.number, _ORGANISATION,
               (true() if where is None else where).label("is_in_scope"))
        .join(Response, Response.id == Answer.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Answer.round_id == round_.id, Answer.item == "", Answer.number.is_not(None),
               Answer.question_key.in_(keys))
        .order_by(Answer.response_id, Answer.question_key)
    ).all()
    limits = _percentiles(((key, number) for _, key, number, _, _ in rows), rule)
    return [flag for response_id, key, number, organisation_id, is_in_scope in rows if is_in_scope
            for flag in _flags(response_id, key, number, previous.get((organisation_id, key)), limits.get(key), rule)]


def notes_of(response_ids: Iterable[int]) -> dict[tuple[int, str], PlausibilityNote]:
    """(response id, key) -> the respondent's confirmation of a flagged value."""
    ids = list(response_ids)
    if not ids:
        return {}
    return {(note.response_id, note.question_key): note
            for note in db.session.scalars(select(PlausibilityNote).where(PlausibilityNote.response_id.in_(ids)))}


def confirm(response: Response, key: str, value: float, note: str) -> PlausibilityNote:
    """Record that the respondent confirms *value* for *key* (with an optional note); flushes."""
    row = db.session.get(PlausibilityNote, (response.id, key)) or PlausibilityNote(response_id=response.id,
                                                                                  question_key=key)
    row.value, row.note, row.confirmed_at = float(value), (note or "").strip()[:2000], utcnow()
    db.session.add(row)
    db.session.flush()
    return row
