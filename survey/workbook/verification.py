"""Staff verification in the workbook: a state next to each answer, and the Consultas sheet of every query.

Both appear only in the workbook of a round where staff verified, contested or queried at least one
answer: a round nobody verified keeps the sheets (and columns) it always had. Every text here was
typed by staff or officials, so it goes through :class:`survey.workbook.cells.Sheet`, which writes
formula-looking text as plain strings.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import aliased

from survey.extensions import db
from survey.models import (
    Institution,
    Invitation,
    Organisation,
    Query,
    QueryMessage,
    Region,
    Response,
    User,
    Verification,
)
from survey.workbook.cells import Sheet
from survey.workbook.i18n import text
from survey.workbook.questions import RoundQuestions


def has_verification(round_id: int) -> bool:
    """True when staff decided on or queried any answer of the round."""
    in_round = select(Response.id).where(Response.round_id == round_id)
    return bool(db.session.scalar(select(
        exists().where(Verification.response_id.in_(in_round)) | exists().where(Query.response_id.in_(in_round))
    )))


def states(response_ids: Iterable[int], lang: str) -> dict[tuple[int, str], tuple[str, str]]:
    """(response id, question key) -> (state code, label with its source or note) of the answers staff decided on."""
    ids = list(response_ids)
    if not ids:
        return {}
    labels = {state: text(f"verification.{state}", lang) for state in ("open", "verified", "contested", "queried")}
    found = {}
    for response_id, key, state, source, note in db.session.execute(
        select(Verification.response_id, Verification.question_key, Verification.state, Verification.source,
               Verification.note).where(Verification.response_id.in_(ids))
    ):
        # An answer back to "pending" (its query answered) keeps no detail: the query's text is not its state.
        detail = source if state == "verified" else (note if state != "open" else "")
        found[(response_id, key)] = (state, f"{labels[state]}: {detail}" if detail else labels[state])
    return found


def open_label(lang: str) -> tuple[str, str]:
    """The (code, label) of an answer nobody decided on."""
    return "open", text("verification.open", lang)


def write_queries(sheet: Sheet, round_id: int, questions: RoundQuestions, lang: str,
                  where: ColumnElement[bool] | None = None) -> int:
    """One row per message of every query of the round (of the invitations *where* keeps), thread by thread;
    return the number of messages written."""
    where = true() if where is None else where
    names = {entry.key: entry.question.text.get(lang) for entry in questions}
    organisation = func.coalesce(Response.organisation_id, Invitation.organisation_id)
    author_invitation = aliased(Invitation)
    rows = db.session.execute(
        select(Query.id, Query.response_id, Query.question_key, Query.status, Query.opened_at, Query.closed_at,
               Organisation.name, Institution.name_es, Institution.name_en, Region.name_es, Region.name_en,
               QueryMessage.author, User.name, User.email, author_invitation.name, QueryMessage.created_at,
               QueryMessage.body, QueryMessage.old_value, QueryMessage.new_value)
        .join(Response, Response.id == Query.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .outerjoin(Organisation, Organisation.id == organisation)
        .outerjoin(Institution, Institution.id == Invitation.institution_id)
        .outerjoin(Region, Region.id == Invitation.region_id)
        .join(QueryMessage, QueryMessage.query_id == Query.id)
        .outerjoin(User, User.id == QueryMessage.user_id)
        .outerjoin(author_invitation, author_invitation.id == QueryMessage.invitation_id)
        .where(Response.round_id == round_id, where)
        .order_by(Query.id, QueryMessage.id)
    ).all()
    headers = [text(key, lang) for key in ("query.id", "response_id", "key", "question", "organisation", "region",
                                           "query.status", "query.opened_at", "query.closed_at", "query.author",
                                           "query.who", "query.at", "query.message", "query.old", "query.new")]
    statuses = {status: text(f"query.{status}", lang) for status in ("open", "closed")}
    authors = {author: text(f"query.by_{author}", lang) for author in ("staff", "respondent")}
    english = lang == "en"
    table = []
    for (query_id, response_id, key, status, opened_at, closed_at, org_name, inst_es, inst_en, region_es, region_en,
         author, user_name, user_email, official, created_at, body, old, new) in rows:
        who = (user_name or user_email or "") if author == "staff" else (official or "")
        table.append([query_id, response_id, key, names.get(key, ""), org_name or (inst_en if english else inst_es),
                      region_en if english else region_es, statuses.get(status, status), opened_at, closed_at,
                      authors.get(author, author), who, created_at, body, _value(old, lang), _value(new, lang)])
    sheet.ws.freeze_panes = "A2"
    sheet.table(headers, table)
    return len(table)


def _value(value, lang: str = "es") -> object:
    # An answer as the respondent gave it: numbers stay numbers, yes/no in words, lists are joined.
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value
