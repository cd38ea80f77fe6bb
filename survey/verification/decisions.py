"""Staff decisions on answers: verify with a source, contest with a note, or query the respondent.

Every function adds and flushes; the view commits. A query reopens one question on the respondent's
personal link and e-mails them (an outbox message of kind ``query`` whose seq is the staff message's id,
sent after the commit).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from survey.extensions import db
from survey.models import Invitation, Query, QueryMessage, Response, User, Verification
from survey.models._types import utcnow
from survey.services import outbox, responses, shared_responses

#: the states staff set by hand ("queried" comes with a query, "open" when a query is answered)
DECIDED = ("verified", "contested")


class DecisionError(ValueError):
    """A decision that cannot be recorded (said in Spanish, for the page)."""


def state_of(response_id: int, question_key: str) -> Verification | None:
    """The verification row of one answer, if staff decided anything on it."""
    return db.session.scalar(select(Verification).where(Verification.response_id == response_id,
                                                        Verification.question_key == question_key))


def states_of(response_ids: Iterable[int]) -> dict[tuple[int, str], Verification]:
    """(response id, question key) -> its verification row, for many responses at once."""
    ids = list(response_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(Verification).where(Verification.response_id.in_(ids)))
    return {(row.response_id, row.question_key): row for row in rows}


def _set(response: Response, question_key: str, state: str, *, user: User | None, source: str = "",
         note: str = "") -> Verification:
    row = state_of(response.id, question_key)
    if row is None:
        row = Verification(response_id=response.id, question_key=question_key)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # a colleague decided at the same moment: this decision comes after theirs
            row = state_of(response.id, question_key)
    row.state, row.source, row.note = state, source, note
    row.decided_by_id = user.id if user is not None else None
    row.decided_at = utcnow()
    db.session.flush()
    return row


def _check_answer(response: Response, question_key: str) -> None:
    if not response.is_submitted:
        raise DecisionError(_("Solo se verifican respuestas enviadas."))
    known = {question.key for question in responses.load_version(response.version_id).questions}
    if question_key not in known:
        raise DecisionError(_("La pregunta no es parte de este cuestionario."))


def decide(response: Response, question_key: str, state: str, *, user: User | None, text: str = "") -> Verification:
    """Record *state* ("verified" with its source in *text*, "contested" with a note) on one answer."""
    _check_answer(response, question_key)
    text = (text or "").strip()
    if state not in DECIDED:
        raise DecisionError(_("Estado de verificación desconocido."))
    if not text:
        raise DecisionError(_("Indique el documento o la fuente que respalda la respuesta.") if state == "verified"
                            else _("Explique por qué se observa la respuesta."))
    if open_query(response.id, question_key) is not None:
        raise DecisionError(_("Hay una consulta abierta sobre esta respuesta: espere la respuesta de la institución."))
    return _set(response, question_key, state, user=user, source=text if state == "verified" else "",
                note=text if state == "contested" else "")


def open_query(response_id: int, question_key: str) -> Query | None:
    """The open query on one answer, if any."""
    return db.session.scalar(select(Query).where(Query.response_id == response_id,
                                                 Query.question_key == question_key, Query.status == "open"))


def queries_of(response_id: int) -> list[Query]:
    """Every query on a response, oldest first, with their threads."""
    return list(db.session.scalars(select(Query).where(Query.response_id == response_id).order_by(Query.id)))


def recipient(response: Response) -> Invitation:
    """Who answers a query: the response's official, or in a per-organisation round its focal point."""
    invitation = response.invitation
    if response.organisation_id is not None:
        return shared_responses.focal_point(response.round_id, response.organisation_id) or invitation
    return invitation


def ask(response: Response, question_key: str, text: str, *, user: User | None) -> Query:
    """Query the respondent about one answer: the question reopens alone on their link and they get an e-mail.

    A second message on an answer already queried joins the open query's thread.
    """
    _check_answer(response, question_key)
    text = (text or "").strip()
    if not text:
        raise DecisionError(_("Escriba la consulta para la institución."))
    query = open_query(response.id, question_key)
    if query is None:
        query = Query(response_id=response.id, question_key=question_key, status="open",
                      opened_by_id=user.id if user is not None else None)
        try:
            with db.session.begin_nested():
                db.session.add(query)
        except IntegrityError:  # opened by a colleague meanwhile: join their thread
            query = open_query(response.id, question_key)
    message = QueryMessage(query_id=query.id, author="staff", user_id=user.id if user is not None else None,
                           body=text)
    db.session.add(message)
    db.session.flush()
    _set(response, question_key, "queried", user=user, note=text)
    outbox.queue(recipient(response), "query", message.id)
    return query
