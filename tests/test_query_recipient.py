"""In a round collecting one response per organisation, a staff query goes to the organisation's focal point,
even when a colleague sent the answers: Luis Mamani submitted for the GORE Cusco, Ana Quispe (the focal point)
gets the e-mail."""
from __future__ import annotations

from sqlalchemy import select

from survey.extensions import db
from survey.models import OutboxMessage
from survey.services import shared_responses
from survey.verification import decisions
from tests.factories import make_response, make_staff, publish_document
from tests.institutional_support import cusco_team
from tests.verification_support import cases_document


def test_a_query_on_a_shared_response_is_mailed_to_the_focal_point(app, db_session):
    team = cusco_team(version=publish_document(cases_document()))
    team.ana.email, team.luis.email = "ana.quispe@regioncusco.gob.pe", "luis.mamani@regioncusco.gob.pe"
    response = make_response(team.luis, {"casos_reportados": 120})
    response.organisation_id = team.organisation.id
    db.session.flush()
    # Ana was invited first: the focal point while nobody is named one.
    assert shared_responses.focal_point(team.round.id, team.organisation.id) == team.ana

    query = decisions.ask(response, "casos_reportados", "¿Son 120 casos o 12?", user=make_staff("editor"))
    db.session.commit()

    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "query")).all()
    assert (message.to_addr, message.invitation_id) == ("ana.quispe@regioncusco.gob.pe", team.ana.id)
    assert query.response_id == response.id
