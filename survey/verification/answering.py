"""The respondent answers a query through their personal link: the one queried question, nothing else.

A changed answer becomes a new revision of the submitted response (the revision, its answer rows and
scores), built from the last submitted revision with that one answer replaced; the query closes. Every
other answer of the submitted response stays as it was. The function adds and flushes; the view commits.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm.attributes import set_committed_value

import questionnaires
from questionnaires import AnswerError
from survey.extensions import db
from survey.models import (
    Answer,
    Invitation,
    Query,
    QueryMessage,
    Response,
    ResponseRevision,
    Verification,
)
from survey.models._types import utcnow
from survey.services import audit, responses
from survey.services.shared_responses import fingerprint
from survey.services.submissions import answer_rows, insert_answer_rows


@dataclass
class Reply:
    """``answered`` (with ``revision`` when the answer changed), ``invalid`` (``errors`` on the question),
    ``entangled`` (the change would alter other answers) or ``closed`` (the query was answered already)."""

    status: str
    revision: int | None = None
    errors: list[AnswerError] = field(default_factory=list)


class AlreadyClosed(Exception):
    """The query closed between reading and writing (a parallel reply won); the caller rolls back."""


_QUERIES, _RESPONSES = Query.__table__, Response.__table__
#: exactly once: of two replies to the same query, one closes it
_CLOSE = (update(_QUERIES).where(_QUERIES.c.id == bindparam("q_id"), _QUERIES.c.status == "open")
          .values(status="closed", closed_at=bindparam("q_at"), closed_revision=bindparam("q_revision")))
_MOVE_REVISION = (
    update(_RESPONSES)
    .where(_RESPONSES.c.id == bindparam("r_id"), _RESPONSES.c.revision == bindparam("r_expected"))
    .values(revision=bindparam("r_number"), updated_at=bindparam("r_at"), answers=bindparam("r_answers"),
            scores=bindparam("r_scores"))
)
_DROP_ROWS = delete(Answer.__table__).where(Answer.__table__.c.response_id == bindparam("r_id"))


def submitted_answers(response: Response) -> dict[str, Any]:
    """The answers of the response's last submitted revision."""
    return dict(response.revisions[-1].answers) if response.revisions else dict(response.answers or {})


def reply(invitation: Invitation, query: Query, formdata: Mapping[str, list[str]], note: str) -> Reply:
    """Answer *query* with the value typed for its question in *formdata* and an optional *note*.

    Only the queried question's field is read: any other field in the form is ignored.
    """
    response = responses.response_for_writing(invitation)  # locked until the commit
    if query.response_id != response.id:
        raise LookupError("query of another response")
    questionnaire = responses.load_version(response.version_id, invitation.sector)
    key = query.question_key
    section = questionnaire.section_of(key)
    parsed, parse_errors = questionnaires.parse_form(questionnaire, section.key, formdata)
    errors = [error for error in parse_errors if error.key == key]
    if errors:
        return Reply("invalid", errors=errors)
    before = submitted_answers(response)
    wanted = {**before, key: parsed.get(key)}
    wanted = {name: value for name, value in wanted.items() if value is not None}
    check = questionnaires.check_answers(questionnaire, wanted)
    if check.errors:
        mine = [error for error in check.errors if error.key == key]
        return Reply("invalid", errors=mine) if mine else Reply("entangled")
    others_before = {name: fingerprint(value) for name, value in before.items() if name != key}
    others_after = {name: fingerprint(value) for name, value in check.cleaned.items() if name != key}
    if others_before != others_after:
        return Reply("entangled")  # e.g. the new value would hide or open other questions
    old, new = before.get(key), check.cleaned.get(key)
    now = utcnow()
    number = None
    if fingerprint(old) != fingerprint(new):
        number = response.revision + 1
        _new_revision(response, questionnaire, check.cleaned, key, number, now)
    closed = db.session.execute(_CLOSE, {"q_id": query.id, "q_at": now, "q_revision": number})
    if closed.rowcount != 1:
        raise AlreadyClosed(query.id)
    db.session.add(QueryMessage(query_id=query.id, author="respondent", invitation_id=invitation.id,
                                body=(note or "").strip(), old_value=old, new_value=new if number else None))
    db.session.execute(update(Verification).where(Verification.response_id == response.id,
                                                  Verification.question_key == key)
                       .values(state="open", decided_at=now))
    db.session.expire(query)
    audit.record("query.answer", actor=f"official:{invitation.id}", query_id=query.id, response_id=response.id,
                 question_key=key, revision=number)
    return Reply("answered", revision=number)


def _new_revision(response: Response, questionnaire, cleaned: dict[str, Any], key: str, number: int, now) -> None:
    # The working copy keeps any unsent changes to other questions; only the corrected answer moves.
    working = {**(response.answers or {}), key: cleaned[key]} if key in cleaned else {
        name: value for name, value in (response.answers or {}).items() if name != key}
    scores = questionnaires.score(questionnaire, cleaned)
    moved = db.session.execute(_MOVE_REVISION, {"r_id": response.id, "r_expected": number - 1, "r_number": number,
                                                "r_at": now, "r_answers": working, "r_scores": scores})
    if moved.rowcount != 1:
        raise RuntimeError(f"response {response.id} changed under its lock")
    for name, value in (("revision", number), ("updated_at", now), ("answers", working), ("scores", scores)):
        set_committed_value(response, name, value)
    db.session.execute(insert(ResponseRevision.__table__), {
        "response_id": response.id, "number": number, "version_id": response.version_id, "answers": cleaned,
        "submitted_at": now})
    db.session.expire(response, ["revisions"])
    db.session.execute(_DROP_ROWS, {"r_id": response.id})
    insert_answer_rows(answer_rows(questionnaire, response, cleaned))
