"""Answering through a personal link: open the link, save a page, submit once.

Every function adds and flushes; the view commits. Answers are checked by the questionnaire core
on every save: what is stored is always valid, and a hidden question's answer is never stored.
Submitting is idempotent without any lock in Python: a conditional UPDATE on the response's
revision lets exactly one of many identical submissions through (see :func:`submit`).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import questionnaires
from questionnaires import AnswerError
from survey import database
from survey.extensions import db
from survey.models import (
    Answer,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseRevision,
)
from survey.models._types import utcnow
from survey.services import outbox
from survey.services.definitions import load_cached

#: Invitation states from which saving an answer means "in progress".
_NOT_STARTED = ("invited", "opened", "declined")


@dataclass
class PageResult:
    """The outcome of saving one page: the stored answers, and what to show next to the fields."""

    answers: dict[str, Any]
    errors: list[AnswerError] = field(default_factory=list)
    warnings: list[AnswerError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing on the page needs fixing."""
        return not self.errors


@dataclass
class SubmitOutcome:
    """``submitted`` (this call made revision ``revision``), ``already`` (an identical submission
    was applied before) or ``incomplete`` (``errors`` list what is missing or wrong)."""

    status: str
    revision: int
    errors: list[AnswerError] = field(default_factory=list)


def version_id_of(invitation: Invitation) -> int:
    """The version the official answers: the response's own once started, else the round's."""
    response = invitation.response
    return response.version_id if response is not None else invitation.round.version_id


def questionnaire_of(invitation: Invitation) -> questionnaires.Questionnaire:
    """The questionnaire the official answers (see :func:`version_id_of`)."""
    return load_version(version_id_of(invitation))


def load_version(version_id: int) -> questionnaires.Questionnaire:
    """The questionnaire of version *version_id*, parsed once per process.

    Only the fingerprint is read (once per database session, or never when the personal-link
    lookup brought it along, see :func:`remember_fingerprint`): the document (tens of KB of
    JSON) is read and parsed on a cache miss only, which keeps it out of every page save and
    submission.
    """
    known = db.session.info.setdefault(_FINGERPRINTS, {})
    if version_id not in known:
        known[version_id] = db.session.scalar(
            select(QuestionnaireVersion.fingerprint).where(QuestionnaireVersion.id == version_id))
    return load_cached(known[version_id], lambda: db.session.scalar(
        select(QuestionnaireVersion.document).where(QuestionnaireVersion.id == version_id)))


_FINGERPRINTS = "survey_version_fingerprints"


def remember_fingerprint(version_id: int, fingerprint: str) -> None:
    """Note, for this database session, the fingerprint of version *version_id* read by a caller."""
    db.session.info.setdefault(_FINGERPRINTS, {})[version_id] = fingerprint


def can_change(invitation: Invitation) -> bool:
    """True while the official may still save answers through the link."""
    if invitation.status == "revoked" or not invitation.round.is_accepting():
        return False
    response = invitation.response
    return response is None or not response.is_submitted or invitation.round.allow_edit_after_submit


def open(invitation: Invitation) -> None:  # noqa: A001 - the verb of the service, used as responses.open
    """Record that the official followed the link (the first time only)."""
    if database.begin_writing():
        db.session.refresh(invitation, ["opened_at", "status"])
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.status == "invited":
        invitation.status = "opened"
    db.session.flush()


def _response(invitation: Invitation) -> Response:
    """The invitation's response, re-read for writing, or created on the round's current version.

    The write lock is taken first (:func:`survey.database.begin_writing`) and the row is read
    again: with SELECT ... FOR UPDATE on PostgreSQL, under the database's write lock on SQLite.
    A save therefore cannot interleave with a submission or another save of the same official.
    """
    database.begin_writing()
    existing = db.session.scalar(
        select(Response).where(Response.invitation_id == invitation.id).with_for_update().execution_options(
            populate_existing=True)
    )
    if existing is not None:
        return existing
    response = Response(invitation_id=invitation.id, round_id=invitation.round_id,
                        version_id=invitation.round.version_id, answers={}, current_section="")
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # A parallel request of the same official created it first (UNIQUE invitation_id).
        response = db.session.scalars(select(Response).where(Response.invitation_id == invitation.id)).one()
    db.session.expire(invitation, ["response"])
    return response


def _mark_in_progress(invitation: Invitation) -> None:
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
    if invitation.status in _NOT_STARTED:
        invitation.status = "in_progress"


#: control characters nobody types on purpose; NUL cannot even be stored in a PostgreSQL text column
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(formdata: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {name: [_CONTROLS.sub("", value) for value in ([values] if isinstance(values, str) else values)
                   if isinstance(value, str)]
            for name, values in formdata.items()}


def save_page(invitation: Invitation, section_key: str, formdata: Mapping[str, list[str]], *,
              go_to: str | None = None, require_complete: bool = False) -> PageResult:
    """Save the answers typed on page *section_key* (``request.form.to_dict(flat=False)``).

    Valid answers are stored even when others on the page are wrong; a wrong value leaves the
    answer saved before it in place. With *require_complete* (moving forward) unanswered required
    questions are errors too. The response remembers *go_to* (else this page) as where to resume;
    on errors it stays on this page.

    :raise KeyError: when the questionnaire has no section *section_key*.
    """
    response = _response(invitation)
    if invitation.status in _NOT_STARTED or invitation.opened_at is None:
        db.session.refresh(invitation, ["status", "opened_at"])  # read before the write lock was taken
    questionnaire = load_version(response.version_id)
    keys = {question.key for question in questionnaire.section(section_key).questions}
    saved = dict(response.answers or {})
    parsed, parse_errors = questionnaires.parse_form(questionnaire, section_key, _without_controls(formdata))
    merged = {key: value for key, value in {**saved, **parsed}.items() if value is not None}
    visible = questionnaires.visible_keys(questionnaire, merged)
    checked = questionnaires.check_answers(questionnaire, merged, require_complete=False)
    errors = [error for error in parse_errors if error.key in visible]
    errors += [error for error in checked.errors if error.key in keys]
    # A matrix keeps its valid cells; any other wrong value must not erase the answer saved before.
    wrong = {error.key for error in errors if questionnaire.question(error.key).type != "matrix"}
    stored = checked.cleaned
    if wrong:
        for key in wrong:
            merged.pop(key, None)
            if key in saved:
                merged[key] = saved[key]
        stored = questionnaires.check_answers(questionnaire, merged, require_complete=False).cleaned
    if require_complete:
        wrong = {error.key for error in errors}
        complete = questionnaires.check_answers(questionnaire, stored, keys=keys, require_complete=True)
        errors += [error for error in complete.errors if error.key not in wrong]
    response.answers = stored
    response.current_section = section_key if errors or go_to is None else go_to
    response.updated_at = utcnow()
    _mark_in_progress(invitation)
    db.session.flush()
    return PageResult(stored, errors, [warning for warning in checked.warnings if warning.key in keys])


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


def submit(invitation: Invitation, expected_revision: int) -> SubmitOutcome:
    """Submit the saved answers as revision ``expected_revision + 1``, exactly once.

    *expected_revision* is the revision the official's review page showed. The revision moves
    forward in one conditional UPDATE (``... WHERE revision = :expected``): of any number of
    identical submissions (double click, refresh, replay, parallel requests) one updates the row
    and the others find it already moved and get ``already``. The UNIQUE constraints on revisions
    and outbox messages back this up. Only the winner writes the revision, the answer rows and
    the receipt.

    The answers are checked and scored before the write lock is taken (from the response read
    with the link); the UPDATE also requires the response's ``updated_at`` to be the one read, so
    a save that slipped in between sends the submission down the locked path, which reads again.
    """
    response = invitation.response
    outcome = _prepare(response, expected_revision) if response is not None else None
    if isinstance(outcome, SubmitOutcome) and outcome.status == "already":
        return outcome  # revisions only move forward: no need to look again
    database.begin_writing()
    if isinstance(outcome, _Prepared) and _apply(invitation, response, outcome):
        return SubmitOutcome("submitted", outcome.number)
    response = _response(invitation)  # locked: nothing changes it until the commit
    outcome = _prepare(response, expected_revision)
    if isinstance(outcome, SubmitOutcome):
        return outcome
    if not _apply(invitation, response, outcome):
        raise RuntimeError(f"response {response.id} changed under its lock")
    return SubmitOutcome("submitted", outcome.number)


@dataclass
class _Prepared:
    """What a submission writes, worked out from the response as read (see :func:`submit`)."""

    number: int
    seen_at: Any
    values: dict[str, Any]
    rows: list[dict[str, Any]]


def _prepare(response: Response, expected_revision: int) -> SubmitOutcome | _Prepared:
    if response.revision != expected_revision:
        return SubmitOutcome("already", response.revision)
    questionnaire = load_version(response.version_id)
    check = questionnaires.check_answers(questionnaire, response.answers or {})
    if not check.ok:
        return SubmitOutcome("incomplete", response.revision, check.errors)
    now = utcnow()
    values = {"revision": expected_revision + 1, "submitted_at": now, "updated_at": now,
              "answers": check.cleaned, "scores": questionnaires.score(questionnaire, check.cleaned)}
    return _Prepared(expected_revision + 1, response.updated_at, values,
                     answer_rows(questionnaire, response, check.cleaned))


def _apply(invitation: Invitation, response: Response, prepared: _Prepared) -> bool:
    """Write a prepared submission if the response is still as read; False (nothing written) if not."""
    moved = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.revision == prepared.number - 1,
               Response.updated_at == prepared.seen_at)
        .values(**prepared.values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    for name, value in prepared.values.items():
        set_committed_value(response, name, value)
    now = prepared.values["submitted_at"]
    db.session.execute(insert(ResponseRevision.__table__).values(
        response_id=response.id, number=prepared.number, version_id=response.version_id,
        answers=prepared.values["answers"], submitted_at=now))
    if prepared.number > 1:
        db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    insert_answer_rows(prepared.rows)
    # The invitation keeps the first submission (the deadline that counts); each revision has its
    # own time. A revocation committed since the link was read stays: its CHECK forbids both.
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status != "revoked")
        .values(status="submitted", submitted_at=func.coalesce(Invitation.submitted_at, now))
        .execution_options(synchronize_session=False)
    )
    set_committed_value(invitation, "status", "submitted")
    set_committed_value(invitation, "submitted_at", invitation.submitted_at or now)
    outbox.queue(invitation, "receipt", prepared.number)
    return True


def insert_answer_rows(rows: list[dict[str, Any]]) -> None:
    """Insert flattened answer rows (see :func:`answer_rows`) in one statement.

    On PostgreSQL the rows travel as one JSON parameter expanded by ``json_to_recordset``: one
    round trip instead of one per row (executemany), half the client CPU of a submission's
    insert. SQLite's executemany runs in C and is already the fastest there.
    """
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_PG_ANSWER_ROWS, {"rows": json.dumps(rows)})
    else:
        # One executemany through Core: the ORM bulk path would split rows by which values are NULL.
        db.session.execute(insert(Answer.__table__), rows)


_ANSWER_COLUMNS = ("response_id", "round_id", "question_key", "item", "value", "number")
_PG_ANSWER_ROWS = text(
    f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) SELECT {', '.join(_ANSWER_COLUMNS)} "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(response_id integer, round_id integer, "
    "question_key varchar, item varchar, value varchar, number double precision)"
)
