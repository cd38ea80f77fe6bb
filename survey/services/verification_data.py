"""What verification holds about an official: their replies to queries and their plausibility notes.

Both are the official's free text, so the personal-data export includes them and an erasure blanks them
(with the text of a corrected answer; numbers stay, like the response's own numeric answers).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from survey.extensions import db
from survey.models import Invitation, PlausibilityNote, Query, QueryMessage, Response


def collect(invitation: Invitation, response: Response | None, row: Callable[[Any], dict]) -> dict[str, Any]:
    """The queries on *response* with their threads, its plausibility notes, and every query message the official
    of *invitation* wrote (in a per-organisation round, on their organisation's shared response)."""
    queries = [] if response is None else [
        {**row(query), "messages": [row(message) for message in query.messages]}
        for query in db.session.scalars(select(Query).where(Query.response_id == response.id).order_by(Query.id))]
    notes = [] if response is None else [row(note) for note in db.session.scalars(
        select(PlausibilityNote).where(PlausibilityNote.response_id == response.id)
        .order_by(PlausibilityNote.question_key))]
    written = [row(message) for message in db.session.scalars(
        select(QueryMessage).where(QueryMessage.invitation_id == invitation.id).order_by(QueryMessage.id))]
    return {"queries": queries, "plausibility_notes": notes, "query_messages_written": written}


def erase(invitation: Invitation, response: Response | None) -> None:
    """Blank the official's replies to queries (note and any text answer) and the response's plausibility notes."""
    for message in db.session.scalars(select(QueryMessage).where(QueryMessage.invitation_id == invitation.id)):
        message.body = ""
        message.old_value, message.new_value = _number_or_none(message.old_value), _number_or_none(message.new_value)
    if response is not None:
        db.session.execute(update(PlausibilityNote).where(PlausibilityNote.response_id == response.id)
                           .values(note="").execution_options(synchronize_session="fetch"))


def _number_or_none(value: Any) -> Any:
    # A corrected count or amount is not personal; a corrected text answer may be.
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
