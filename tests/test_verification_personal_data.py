"""An official's replies to queries and plausibility notes are their free text: exported with their data, erased with it."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from survey.extensions import db
from survey.models import PlausibilityNote, QueryMessage, Response
from survey.models._types import utcnow
from survey.services import personal_data
from survey.verification import answering, decisions, plausibility
from tests.factories import make_response, make_staff
from tests.verification_support import two_years


def _queried_official():
    """The official confirmed 120 cases with a note, was queried and answered with a note of their own."""
    round_, invitation, _token, _ = two_years()
    make_response(invitation, {"casos_reportados": 120, "casos_judicializados": 30, "comentario": "Año difícil"})
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    plausibility.confirm(response, "casos_reportados", 120, "Se creó una fiscalía especializada en mi sede")
    query = decisions.ask(response, "casos_reportados", "¿Son 120 casos?", user=make_staff("editor"))
    answering.reply(invitation, query, {"casos_reportados": ["12"]}, "Me equivoqué yo, Ana Huamán: eran 12.")
    db.session.commit()
    return round_, invitation, response


def test_the_export_holds_the_officials_query_replies_and_plausibility_notes(app, db_session):
    _round, invitation, _response = _queried_official()
    document, _messages = personal_data.collect(personal_data.same_person(invitation))
    held = json.dumps(document, ensure_ascii=False)
    assert "Se creó una fiscalía especializada en mi sede" in held
    assert "Me equivoqué yo, Ana Huamán: eran 12." in held and "¿Son 120 casos?" in held
    verification = document["invitations"][-1]["verification"]
    assert [m["author"] for m in verification["queries"][0]["messages"]] == ["staff", "respondent"]
    assert verification["query_messages_written"][0]["body"] == "Me equivoqué yo, Ana Huamán: eran 12."


def test_erasure_blanks_the_officials_replies_and_notes_and_keeps_the_numbers(app, db_session):
    round_, invitation, response = _queried_official()
    round_.status, round_.closed_at = "closed", utcnow() - timedelta(days=round_.retention_days + 1)
    db.session.commit()
    assert personal_data.erase(invitation)
    db.session.commit()
    reply = db.session.scalar(select(QueryMessage).where(QueryMessage.author == "respondent"))
    assert reply.body == "" and (reply.old_value, reply.new_value) == (120, 12)
    note = db.session.get(PlausibilityNote, (response.id, "casos_reportados"))
    assert note.note == "" and note.value == 120
    # Staff's own question stays: it is the team's text, not the official's.
    assert db.session.scalar(select(QueryMessage).where(QueryMessage.author == "staff")).body == "¿Son 120 casos?"
