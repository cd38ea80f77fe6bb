"""The groups of responses behind a snapshot's tables, and their audit against each other and against the
round's earlier publications (:mod:`survey.publication.linked` does the algebra).

Each publication keeps its *members*: every response it counted, with its region, institution type,
organisation and axis scores at the time (``Publication.members``). So an earlier figure is the sum over the
responses it really counted, as they were then: an organisation merged since, a region corrected, a
score changed by a correction after a staff query (its earlier value is another unknown) all stay what they
were for the earlier figures, and a response re-submitted unchanged stays one unknown.

For the indices, an unknown is one response's score on an axis at one value; a group gathers the unknowns
that every figure, now and earlier, covers alike. For a choice question: the answers of one option (or "other") that
first appeared in the same publication; a multiple-choice question's respondents are a group family of their
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

#: the position of each index partition in a group's key (region, type, organisation)
PARTITIONS = {"region": 0, "type": 1, "org": 2}
Keys = tuple[str, str, str]


@dataclass
class Pending:
    """A table before it becomes the snapshot's dict: its cells still carry numbers and reasons."""

    table: Table
    labels: dict[str, dict[str, str]]
    meta: dict[str, Any]
    digits: int


@dataclass
class Counted:
    """A submitted response as a publication counts it."""

    keys: Keys
    submitted_at: datetime
    scores: dict[str, Any]


@dataclass
class Earlier:
    """An earlier publication: the cells it showed per table, and response id -> (keys, scores) it counted."""

    shown: dict[str, list[str]]
    members: dict[int, tuple[Keys, dict[str, Any]]]


def _key(prefix: str, value: int | None) -> str:
    return f"{prefix}{value}" if value is not None else "none"


def counted(round_id: int) -> dict[int, Counted]:
    """The round's submitted responses, as a publication taken now counts them."""
    rows = db.session.execute(
        select(Response.id, Invitation.region_id, Invitation.institution_id, Invitation.organisation_id,
               Response.submitted_at, Response.scores)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None)))
    return {response_id: Counted((_key("r", region), _key("t", institution), _key("o", organisation)),
                                 submitted_at, scores or {})
            for response_id, region, institution, organisation, submitted_at, scores in rows}


def members_of(now: dict[int, Counted]) -> dict[str, list]:
    """What ``Publication.members`` keeps of *now*: id -> [region, type, organisation, axis scores]."""
    return {str(response_id): [*item.keys, item.scores] for response_id, item in now.items()}


def history(round_id: int, now: dict[int, Counted]) -> list[Earlier]:
    """Every publication of the round, withdrawn or live, oldest first. One taken before publications kept
    their members counts the responses submitted by then, as they are now."""
    earlier = []
    for published_at, shown, members in db.session.execute(
            select(Publication.published_at, Publication.shown, Publication.members)
            .where(Publication.round_id == round_id).order_by(Publication.published_at)):
        if members:
            kept = {int(key): (tuple(value[:3]), dict(value[3] or {})) for key, value in members.items()}
        else:
            kept = {rid: (item.keys, item.scores) for rid, item in now.items() if item.submitted_at <= published_at}
        earlier.append(Earlier(shown or {}, kept))
    return earlier


def _then(response_id: int, axis: str, value: Any, past: Sequence[Earlier]) -> tuple[Keys | None, ...]:
    """Per earlier publication, the keys it counted this response's score *value* on *axis* under, or None."""
    found = [earlier.members.get(response_id) for earlier in past]
    return tuple(item[0] if item is not None and item[1].get(axis) == value else None for item in found)


def _signatures(now: dict[int, Counted], past: Sequence[Earlier], axis: str) -> dict[tuple, set[int]]:
    """Group -> the responses of its unknowns: a group is (keys now or None, per earlier publication keys or
    None). A response whose score changed has an unknown in two groups."""
    groups: dict[tuple, set[int]] = defaultdict(set)
    for response_id, item in now.items():
        if item.scores.get(axis) is None:
            continue
        groups[(item.keys, _then(response_id, axis, item.scores[axis], past))].add(response_id)
    # Earlier values (or responses no longer counted): unknowns that only earlier figures cover.
    seen: set[tuple[int, Any]] = set()
    for earlier in past:
        for response_id, (_keys, scores) in earlier.members.items():
            value = scores.get(axis)
            current = now.get(response_id)
            if value is None or (current is not None and current.scores.get(axis) == value):
                continue
            if (response_id, value) in seen:
                continue
            seen.add((response_id, value))
            groups[(None, _then(response_id, axis, value, past))].add(response_id)
    return groups


def protect_indices(round_id: int, pending: list[Pending], axes: Iterable[str], k: int,
                    now: dict[int, Counted], past: Sequence[Earlier]) -> None:
    """Audit the index tables of every axis (regions, types, named organisations) together, and against every
    index table an earlier publication showed (named organisations too, even when this one names none)."""
    for axis in axes:
        members = _signatures(now, past, axis)
        groups = {group: len(ids) for group, ids in members.items()}
        figures = []
        for entry in pending:
            if entry.meta.get("axis") != axis:
                continue
            at = PARTITIONS[entry.meta["partition"]]
            counted_now = [group for group in groups if group[0] is not None]
            figures.append(Figure(entry.table.total, frozenset(counted_now), is_total=True))
            figures += [Figure(cell, frozenset(g for g in counted_now if g[0][at] == cell.key))
                        for cell in entry.table.cells]
        published = []
        for index, earlier in enumerate(past):
            then = [group for group in groups if group[1][index] is not None]
            if axis in earlier.shown.get("national", []):
                published.append(frozenset(then))
            for partition, at in PARTITIONS.items():
                for cell_key in earlier.shown.get(f"{partition}-{axis}", []):
                    published.append(frozenset(then) if cell_key == "total" else
                                     frozenset(g for g in then if g[1][index][at] == cell_key))
        protect(figures, groups, k, published, {group: frozenset(ids) for group, ids in members.items()})


def protect_choices(round_id: int, pending: list[Pending], k: int, past: Sequence[Earlier]) -> None:
    """Audit each choice question's table against what earlier publications showed of it."""
    tables = {entry.meta["question"]: entry for entry in pending}
    if not tables:
        return
    options: dict[str, Counter] = defaultdict(Counter)
    respondents: dict[str, dict[int, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Answer.question_key, Answer.value, Answer.response_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.round_id == round_id, Answer.question_key.in_(sorted(tables)),
               Response.submitted_at.is_not(None)))
    for question, value, response_id in rows:
        keys = {cell.key for cell in tables[question].table.cells}
        value = value.lower() if value in ("True", "False") else value
        # The first publication that counted the response (len(past): none yet).
        epoch = next((index for index, earlier in enumerate(past) if response_id in earlier.members), len(past))
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
        published = []
        for index, earlier in enumerate(past):
            for cell_key in earlier.shown.get(entry.table.key, []):
                published.append(frozenset(g for g in (total if cell_key == "total" else every)
                                           if g[-1] <= index and (cell_key == "total" or g[0] == cell_key)))
        protect(figures, every, k, published)
