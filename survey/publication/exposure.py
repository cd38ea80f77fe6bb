"""The groups of responses behind a snapshot's tables, and their audit against each other and against the
round's earlier publications (:mod:`survey.publication.linked` does the algebra).

A group is the finest piece a figure is made of. For the indices: responses of one region, institution
type and organisation that first appeared in the same publication (the *epoch*: how many earlier
publications were taken before the response was submitted). For a choice question: the answers of one
option (or "other") of one epoch; a multiple-choice question's respondents are a group family of their
own, as its options do not add up to them.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Invitation, Publication, Response
from survey.publication.linked import Figure, protect
from survey.publication.suppression import Table

#: the position of each index partition in a group's key (region, type, organisation, epoch)
PARTITIONS = {"region": 0, "type": 1, "org": 2}
History = Sequence[tuple[datetime, dict[str, list[str]]]]


@dataclass
class Pending:
    """A table before it becomes the snapshot's dict: its cells still carry numbers and reasons."""

    table: Table
    labels: dict[str, dict[str, str]]
    meta: dict[str, Any]
    digits: int


def history(round_id: int) -> list[tuple[datetime, dict[str, list[str]]]]:
    """(published at, table key -> cell keys shown) of every publication of the round, withdrawn or live."""
    rows = db.session.execute(select(Publication.published_at, Publication.shown)
                              .where(Publication.round_id == round_id).order_by(Publication.published_at))
    return [(published_at, shown or {}) for published_at, shown in rows]


def _epoch(submitted_at: datetime, past: History) -> int:
    return sum(1 for published_at, _ in past if published_at < submitted_at)


def _key(prefix: str, value: int | None) -> str:
    return f"{prefix}{value}" if value is not None else "none"


def _published(past: History, table_key: str, groups: Iterable[tuple], cover) -> list[frozenset]:
    """What each earlier publication showed of *table_key*: one set of groups per cell it showed."""
    sums = []
    for epoch, (_, shown) in enumerate(past):
        for cell_key in shown.get(table_key, []):
            sums.append(frozenset(group for group in groups if group[-1] <= epoch and cover(group, cell_key)))
    return sums


def protect_indices(round_id: int, pending: list[Pending], axes: Iterable[str], k: int, past: History) -> None:
    """Audit the index tables of every axis (regions, types, named organisations) together."""
    by_axis: dict[str, Counter] = defaultdict(Counter)
    rows = db.session.execute(
        select(Invitation.region_id, Invitation.institution_id, Invitation.organisation_id, Response.submitted_at,
               Response.scores).join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None)))
    for region_id, institution_id, organisation_id, submitted_at, scores in rows:
        group = (_key("r", region_id), _key("t", institution_id), _key("o", organisation_id),
                 _epoch(submitted_at, past))
        for axis, value in (scores or {}).items():
            if value is not None:
                by_axis[axis][group] += 1
    for axis in axes:
        groups = by_axis[axis]
        figures, published = [], []
        for entry in pending:
            if entry.meta.get("axis") != axis:
                continue
            position = PARTITIONS[entry.meta["partition"]]
            figures.append(Figure(entry.table.total, frozenset(groups), is_total=True))
            figures += [Figure(cell, frozenset(g for g in groups if g[position] == cell.key))
                        for cell in entry.table.cells]
            published += _published(past, entry.table.key, groups,
                                    lambda group, cell, at=position: cell == "total" or group[at] == cell)
        published += _published(past, "national", groups, lambda group, cell, wanted=axis: cell == wanted)
        protect(figures, dict(groups), k, published)


def protect_choices(round_id: int, pending: list[Pending], k: int, past: History) -> None:
    """Audit each choice question's table against what earlier publications showed of it."""
    tables = {entry.meta["question"]: entry for entry in pending}
    if not tables:
        return
    options: dict[str, Counter] = defaultdict(Counter)
    respondents: dict[str, dict[int, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Answer.question_key, Answer.value, Answer.response_id, Response.submitted_at)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.round_id == round_id, Answer.question_key.in_(sorted(tables)),
               Response.submitted_at.is_not(None)))
    for question, value, response_id, submitted_at in rows:
        keys = {cell.key for cell in tables[question].table.cells}
        value = value.lower() if value in ("True", "False") else value
        epoch = _epoch(submitted_at, past)
        options[question][(value if value in keys else "other", epoch)] += 1
        respondents[question][response_id] = epoch
    for question, entry in tables.items():
        groups = options[question]
        is_multiple = entry.meta.get("type") == "multiple_choice"
        answered = Counter(("#answered", epoch) for epoch in respondents[question].values()) if is_multiple else {}
        every = {**groups, **answered}
        total = frozenset(answered) if is_multiple else frozenset(groups)
        figures = [Figure(entry.table.total, total, is_total=True)]
        figures += [Figure(cell, frozenset(g for g in groups if g[0] == cell.key)) for cell in entry.table.cells]
        published = _published(past, entry.table.key, every, lambda group, cell, totals=total: (
            group in totals if cell == "total" else group[0] == cell))
        protect(figures, every, k, published)
