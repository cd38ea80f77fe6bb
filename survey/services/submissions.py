"""Submitting the saved answers through a personal link, exactly once.

The function adds and flushes nothing through the ORM: a submission is a handful of Core
statements built once at import (only their parameters vary), which keeps the request short
while it holds SQLite's write lock. The view commits.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, text, update
from sqlalchemy.orm.attributes import set_committed_value

import questionnaires
from questionnaires import AnswerError
from survey import database
from survey.extensions import db
from survey.models import Answer, Invitation, Response, ResponseRevision
from survey.models._types import utcnow
from survey.services import evidence_query, outbox, responses, shared_responses
from survey.services.responses import load_version, response_for_writing


@dataclass
class SubmitOutcome:
    """``submitted`` (this call made revision ``revision``), ``already`` (an identical submission
    was applied before), ``incomplete`` (``errors`` list what is missing or wrong) or ``not_focal``
    (a shared response is submitted by its organisation's focal point only)."""

    status: str
    revision: int
    errors: list[AnswerError] = field(default_factory=list)


def submit(invitation: Invitation, expected_revision: int) -> SubmitOutcome:
    """Submit the saved answers as revision ``expected_revision + 1``, exactly once.

    *expected_revision* is the revision the official's review page showed. The revision moves
    forward in one conditional UPDATE (``... WHERE revision = :expected``): of any number of
    identical submissions (double click, refresh, replay, parallel requests) one updates the row
    and the others find it already moved and get ``already``. The UNIQUE constraints on revisions
    and outbox messages back this up. Only the winner writes the revision, the answer rows and
    the receipt.

    The answers are checked and scored before the write lock is taken, from the response read
    with the link. The UPDATE also requires the response's ``updated_at`` to be the one read, so
    a save that slipped in between sends the submission down the locked path, which reads again.

    In a per-organisation round the response is the organisation's, and only its focal point
    (:func:`survey.services.shared_responses.focal_point`) submits it; the receipt goes to them.
    """
    if invitation.round.is_per_organisation and not shared_responses.is_focal_point(invitation):
        response = responses.response_for(invitation)
        return SubmitOutcome("not_focal", response.revision if response is not None else 0)
    response = responses.response_for(invitation)
    outcome = _prepare(response, invitation.sector, expected_revision) if response is not None else None
    if isinstance(outcome, SubmitOutcome) and outcome.status == "already":
        return outcome  # revisions only move forward: no need to look again
    database.begin_writing()
    if isinstance(outcome, _Prepared) and _apply(invitation, response, outcome):
        return SubmitOutcome("submitted", outcome.number)
    response = response_for_writing(invitation)  # locked: nothing changes it until the commit
    outcome = _prepare(response, invitation.sector, expected_revision)
    if isinstance(outcome, SubmitOutcome):
        return outcome
    if not _apply(invitation, response, outcome):
        raise RuntimeError(f"response {response.id} changed under its lock")
    return SubmitOutcome("submitted", outcome.number)


@dataclass
class _Prepared:
    """What a submission writes, worked out from the response as read (see :func:`submit`)."""

    number: int
    seen_at: datetime
    at: datetime
    answers: dict[str, Any]
    scores: dict[str, Any]
    rows: list[dict[str, Any]]


def _prepare(response: Response, sector: str, expected_revision: int) -> SubmitOutcome | _Prepared:
    if response.revision != expected_revision:
        return SubmitOutcome("already", response.revision)
    # As the invitation's sector sees it: the other kind's questions are neither required, kept nor scored.
    questionnaire = load_version(response.version_id, sector)
    check = questionnaires.check_answers(questionnaire, response.answers or {},
                                         evidence=evidence_query.keys_with_files(response))
    if not check.ok:
        return SubmitOutcome("incomplete", response.revision, check.errors)
    return _Prepared(expected_revision + 1, response.updated_at, utcnow(), check.cleaned,
                     questionnaires.score(questionnaire, check.cleaned),
                     answer_rows(questionnaire, response, check.cleaned))


_RESPONSES, _INVITATIONS = Response.__table__, Invitation.__table__

#: moves the revision if the response is still as read (bind names differ from column names)
_MOVE_REVISION = (
    update(_RESPONSES)
    .where(_RESPONSES.c.id == bindparam("r_id"), _RESPONSES.c.revision == bindparam("r_expected"),
           _RESPONSES.c.updated_at == bindparam("r_seen_at"))
    .values(revision=bindparam("r_number"), submitted_at=bindparam("r_at"), updated_at=bindparam("r_at"),
            answers=bindparam("r_answers"), scores=bindparam("r_scores"))
)
_ADD_REVISION = insert(ResponseRevision.__table__)
_DROP_ANSWER_ROWS = delete(Answer.__table__).where(Answer.__table__.c.response_id == bindparam("r_id"))
#: a revocation committed since the link was read stays: the invitation's CHECK forbids both
_MARK_SUBMITTED = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("i_id"), _INVITATIONS.c.status != "revoked")
    .values(status="submitted", submitted_at=func.coalesce(_INVITATIONS.c.submitted_at, bindparam("i_at")))
)


def _apply(invitation: Invitation, response: Response, prepared: _Prepared) -> bool:
    """Write a prepared submission if the response is still as read; False (nothing written) if not."""
    moved = db.session.execute(_MOVE_REVISION, {
        "r_id": response.id, "r_expected": prepared.number - 1, "r_seen_at": prepared.seen_at,
        "r_number": prepared.number, "r_at": prepared.at, "r_answers": prepared.answers,
        "r_scores": prepared.scores})
    if moved.rowcount != 1:
        return False
    for name, value in (("revision", prepared.number), ("submitted_at", prepared.at),
                        ("updated_at", prepared.at), ("answers", prepared.answers), ("scores", prepared.scores)):
        set_committed_value(response, name, value)
    db.session.execute(_ADD_REVISION, {"response_id": response.id, "number": prepared.number,
                                       "version_id": response.version_id, "answers": prepared.answers,
                                       "submitted_at": prepared.at})
    if prepared.number > 1:
        db.session.execute(_DROP_ANSWER_ROWS, {"r_id": response.id})
    insert_answer_rows(prepared.rows)
    # The invitation keeps the first submission (the deadline that counts); each revision has its own time.
    db.session.execute(_MARK_SUBMITTED, {"i_id": invitation.id, "i_at": prepared.at})
    set_committed_value(invitation, "status", "submitted")
    set_committed_value(invitation, "submitted_at", invitation.submitted_at or prepared.at)
    outbox.add_receipt(invitation, prepared.number)
    return True


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:500]


def answer_rows(questionnaire: questionnaires.Questionnaire, response: Response,
                answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Flatten *answers* into ``answers`` table rows for SQL aggregation.

    Multiple choice: one row per selected option (``item`` = option). Matrix: one row per row
    (``item`` = row), or per cell for numeric grids (``item`` = ``row__column``). ``number`` is
    filled for numeric answers (integer, decimal, currency, likert, numeric grid cells).
    """
    rows: list[dict[str, Any]] = []
    for question in questionnaire.questions:
        value = answers.get(question.key)
        if value is None:
            continue
        base = {"response_id": response.id, "round_id": response.round_id, "question_key": question.key}
        if question.type == "multiple_choice":
            rows += [{**base, "item": _text(option), "value": _text(option), "number": None} for option in value]
        elif question.type == "matrix" and question.cell_type == "integer":
            rows += [{**base, "item": f"{row}__{column}", "value": str(number), "number": float(number)}
                     for row, cells in value.items() for column, number in cells.items()]
        elif question.type == "matrix":
            rows += [{**base, "item": _text(row), "value": _text(cell), "number": None} for row, cell in value.items()]
        else:
            numeric = question.is_numeric or question.type == "likert"
            rows.append({**base, "item": "", "value": _text(value), "number": float(value) if numeric else None})
    return rows


_ANSWER_COLUMNS = ("response_id", "round_id", "question_key", "item", "value", "number")
#: One executemany through Core: the ORM bulk path would split rows by which values are NULL.
_ADD_ANSWER_ROWS = insert(Answer.__table__)
_ADD_ANSWER_ROWS_PG = text(
    f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) SELECT {', '.join(_ANSWER_COLUMNS)} "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(response_id integer, round_id integer, "
    "question_key varchar, item varchar, value varchar, number double precision)"
)


def insert_answer_rows(rows: list[dict[str, Any]]) -> None:
    """Insert flattened answer rows (see :func:`answer_rows`) in one statement.

    On PostgreSQL the rows travel as one JSON parameter expanded by ``json_to_recordset``: one
    round trip instead of one per row (executemany), half the client CPU of the insert.
    SQLite's executemany runs in C and is already the fastest there.
    """
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_ADD_ANSWER_ROWS_PG, {"rows": json.dumps(rows)})
    else:
        db.session.execute(_ADD_ANSWER_ROWS, rows)
