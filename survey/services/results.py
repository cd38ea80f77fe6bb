"""A round's results: counts per question, per-axis indices, response rates.

Everything is computed by SQL aggregation (GROUP BY over the answers' (round,
question, value) index; SUM/COUNT over the per-response axis indices) and stored as
blocks upserted by key, so a retried or doubled run gives the numbers of one full
recomputation.

The index of a group on an axis is the arithmetic mean of the per-response indices on
that axis that are not null, over the group's submitted responses; null if there are
none. (The workbook export uses the same definition.) Every group also carries the same
figures per sector (``by_sector``: "state" officials, "civil" society), since each kind is
asked its own questions: what the State says and what watchdogs observe, side by side.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from survey.extensions import db
from survey.models import (
    Answer,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResultRefresh,
    Round,
    RoundResult,
)
from survey.models._types import utcnow
from survey.models.rounds import SECTORS

#: question types whose answers are counted by value (free text, numbers and dates are not)
COUNTED_TYPES = ("single_choice", "multiple_choice", "yes_no", "likert", "matrix")
INDEX_DECIMALS = 4


def _insert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _versions(round_: Round) -> list[QuestionnaireVersion]:
    ids = set(db.session.scalars(select(Response.version_id).where(Response.round_id == round_.id).distinct()))
    ids.add(round_.version_id)
    return list(db.session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(ids))))


def _definitions(round_: Round) -> tuple[dict[str, str], list[str]]:
    """Counted question keys with their type, and the axis keys, over the round's versions."""
    counted: dict[str, str] = {}
    axes: list[str] = []
    for version in _versions(round_):
        questionnaire = version.load()
        for question in questionnaire.questions:
            if question.type in COUNTED_TYPES:
                counted.setdefault(question.key, question.type)
        for axis in questionnaire.framework.axes:
            if axis.key not in axes:
                axes.append(axis.key)
    return counted, axes


def question_counts(round_id: int, keys: list[str], grid_keys: list[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """{question key: [{item, value, count}]} for the given questions of a round.

    Most questions are counted by (question, value) alone, which the (round, question,
    value) index answers without reading the table; only grids (*grid_keys*), whose
    rows are told apart by ``item``, read it. (A multiple-choice answer's item is its
    value.)
    """
    counts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    plain = [key for key in keys if key not in set(grid_keys)]
    if plain:
        rows = db.session.execute(
            select(Answer.question_key, Answer.value, func.count())
            .where(Answer.round_id == round_id, Answer.question_key.in_(plain))
            .group_by(Answer.question_key, Answer.value)
        )
        for key, value, count in rows:
            counts[key].append({"item": "", "value": value, "count": count})
    if grid_keys:
        rows = db.session.execute(
            select(Answer.question_key, Answer.value, Answer.item, func.count())
            .where(Answer.round_id == round_id, Answer.question_key.in_(list(grid_keys)))
            .group_by(Answer.question_key, Answer.value, Answer.item)
        )
        for key, value, item, count in rows:
            counts[key].append({"item": item, "value": value, "count": count})
    for entries in counts.values():
        entries.sort(key=lambda e: (e["item"], e["value"]))
    return counts


def _blank_group(*, with_sectors: bool = True) -> dict[str, Any]:
    group = {"by_status": {}, "sums": defaultdict(float), "scored": defaultdict(int), "responses": 0}
    if with_sectors:
        group["sectors"] = defaultdict(lambda: _blank_group(with_sectors=False))
    return group


def _groups(round_id: int, axes: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Status counts and axis sums per (scope, key) for national, institution, region."""
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(_blank_group)

    def targets(institution_id, region_id):
        yield ("national", "")
        if institution_id is not None:
            yield ("institution", str(institution_id))
        if region_id is not None:
            yield ("region", str(region_id))

    status_rows = db.session.execute(
        select(Invitation.institution_id, Invitation.region_id, Invitation.sector, Invitation.status, func.count())
        .where(Invitation.round_id == round_id)
        .group_by(Invitation.institution_id, Invitation.region_id, Invitation.sector, Invitation.status)
    )
    for institution_id, region_id, sector, status, count in status_rows:
        for target in targets(institution_id, region_id):
            for group in (groups[target], groups[target]["sectors"][sector]):
                group["by_status"][status] = group["by_status"].get(status, 0) + count
    columns = []
    for axis in axes:
        value = Response.scores[axis].as_float()
        columns += [func.sum(value), func.count(value)]
    score_rows = db.session.execute(
        select(Invitation.institution_id, Invitation.region_id, Invitation.sector, func.count(Response.id), *columns)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None))
        .group_by(Invitation.institution_id, Invitation.region_id, Invitation.sector)
    )
    for institution_id, region_id, sector, responses, *sums in score_rows:
        for target in targets(institution_id, region_id):
            for group in (groups[target], groups[target]["sectors"][sector]):
                group["responses"] += responses
                for i, axis in enumerate(axes):
                    group["sums"][axis] += float(sums[2 * i] or 0.0)
                    group["scored"][axis] += int(sums[2 * i + 1] or 0)
    return groups


def _group_payload(group: dict[str, Any], axes: list[str]) -> dict[str, Any]:
    payload = _figures(group, axes)
    payload["by_sector"] = {sector: _figures(group["sectors"][sector], axes) for sector in SECTORS}
    return payload


def _figures(group: dict[str, Any], axes: list[str]) -> dict[str, Any]:
    by_status = dict(sorted(group["by_status"].items()))
    invited = sum(n for status, n in by_status.items() if status != "revoked")
    submitted = by_status.get("submitted", 0)
    index = {
        axis: round(group["sums"][axis] / group["scored"][axis], INDEX_DECIMALS) if group["scored"][axis] else None
        for axis in axes
    }
    return {
        "invited": invited,
        "by_status": by_status,
        "submitted": submitted,
        "declined": by_status.get("declined", 0),
        "response_rate": round(submitted / invited, INDEX_DECIMALS) if invited else None,
        "responses": group["responses"],
        "index": index,
        "scored": {axis: group["scored"][axis] for axis in axes},
    }


def _response_indices(round_id: int) -> dict[str, Any]:
    rows = db.session.execute(
        select(Response.id, Response.invitation_id, Invitation.institution_id, Invitation.region_id,
               Invitation.sector, Response.scores)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.round_id == round_id, Response.submitted_at.is_not(None))
        .order_by(Response.id)
    )
    return {
        str(response_id): {"invitation": invitation_id, "institution": institution_id, "region": region_id,
                           "sector": sector, "index": scores or {}}
        for response_id, invitation_id, institution_id, region_id, sector, scores in rows
    }


def question_counts_by_sector(round_id: int, keys: list[str],
                              grid_keys: list[str] = ()) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{question key: {sector: [{item, value, count}]}}: the counts of :func:`question_counts` per sector
    (``item`` is "" except for grids, as there).

    Reads the answer rows joined to their invitations (the index alone cannot tell sectors
    apart); run by the aggregation task, never on a request.
    """
    counts: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {sector: [] for sector in SECTORS})
    if not keys:
        return counts
    rows = db.session.execute(
        select(Answer.question_key, Invitation.sector, Answer.item, Answer.value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Answer.round_id == round_id, Answer.question_key.in_(keys))
        .group_by(Answer.question_key, Invitation.sector, Answer.item, Answer.value)
        .order_by(Answer.question_key, Invitation.sector, Answer.item, Answer.value)
    )
    grids = set(grid_keys)
    for key, sector, item, value, count in rows:
        counts[key][sector].append({"item": item if key in grids else "", "value": value, "count": count})
    return counts


def compute(round_: Round) -> dict[tuple[str, str], dict[str, Any]]:
    """Every result block of *round_*, keyed by (scope, scope key); reads only."""
    counted, axes = _definitions(round_)
    blocks: dict[tuple[str, str], dict[str, Any]] = {}
    grids = sorted(key for key, qtype in counted.items() if qtype == "matrix")
    by_sector = question_counts_by_sector(round_.id, sorted(counted), grids)
    for key, entries in question_counts(round_.id, sorted(counted), grids).items():
        blocks[("question", key)] = {"type": counted[key], "counts": entries, "by_sector": by_sector[key]}
    groups = _groups(round_.id, axes)
    groups.setdefault(("national", ""), _blank_group())
    for target, group in groups.items():
        blocks[target] = _group_payload(group, axes)
    blocks[("responses", "")] = {"axes": axes, "responses": _response_indices(round_.id)}
    return blocks


def aggregate(round_id: int, now: datetime | None = None) -> int:
    """Recompute and store the results of a round; returns the number of blocks.

    Blocks are upserted by key and blocks that no longer exist are deleted, in the
    caller's transaction: readers see the old results or the new ones, never a mix.
    """
    now = now or utcnow()
    started = time.perf_counter()
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return 0
    blocks = compute(round_)
    insert = _insert()
    rows = [{"round_id": round_id, "scope": scope, "scope_key": key, "payload": payload, "computed_at": now}
            for (scope, key), payload in blocks.items()]
    statement = insert(RoundResult)
    statement = statement.on_conflict_do_update(
        index_elements=["round_id", "scope", "scope_key"],
        set_={"payload": statement.excluded.payload, "computed_at": statement.excluded.computed_at},
    )
    db.session.execute(statement, rows)
    db.session.execute(delete(RoundResult).where(RoundResult.round_id == round_id, RoundResult.computed_at != now))
    _ensure_refresh_row(round_id)
    db.session.execute(
        update(ResultRefresh).where(ResultRefresh.round_id == round_id)
        .values(computed_at=now, duration_ms=int((time.perf_counter() - started) * 1000))
    )
    return len(blocks)


def _ensure_refresh_row(round_id: int) -> None:
    db.session.execute(_insert()(ResultRefresh).values(round_id=round_id).on_conflict_do_nothing())


def plan(round_id: int, *, debounce: float, force: bool = False, now: datetime | None = None) -> float | None:
    """Decide what a results.aggregate request does: 0 = compute now, N = come back in N s, None = skip.

    Within *debounce* seconds of the last computation the request books one deferred
    run at the end of the window (later requests see it booked and are dropped), so a
    burst of submissions costs two computations and the last one sees them all.
    The caller commits.
    """
    now = now or utcnow()
    if db.session.get(Round, round_id) is None:
        return None
    _ensure_refresh_row(round_id)
    computed_at = db.session.scalar(select(ResultRefresh.computed_at).where(ResultRefresh.round_id == round_id))
    if force or computed_at is None or now - computed_at >= timedelta(seconds=debounce):
        return 0.0
    due = computed_at + timedelta(seconds=debounce)
    booked = db.session.execute(
        update(ResultRefresh)
        .where(ResultRefresh.round_id == round_id,
               (ResultRefresh.deferred_until.is_(None)) | (ResultRefresh.deferred_until <= now))
        .values(deferred_until=due)
        .execution_options(synchronize_session=False)
    )
    return max((due - now).total_seconds(), 0.1) if booked.rowcount == 1 else None


def rounds_to_refresh(now: datetime | None = None) -> list[int]:
    """Ids of the rounds the nightly run recomputes: open ones and those closed in the last two days."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Round.id).where(Round.status != "draft", Round.closes_at > now - timedelta(days=2)).order_by(Round.id)
    ))


def for_round(round_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored result blocks of a round, keyed by (scope, scope key)."""
    return {
        (row.scope, row.scope_key): row.payload
        for row in db.session.scalars(select(RoundResult).where(RoundResult.round_id == round_id))
    }
