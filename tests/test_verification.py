"""Verification by staff and plausibility: the official's link and the staff pages, on both databases."""
from __future__ import annotations

from sqlalchemy import select

from survey.extensions import db
from survey.models import (
    Answer,
    OutboxMessage,
    PlausibilityNote,
    Query,
    Response,
    ResponseRevision,
    Verification,
)
from survey.services import mailer
from tests.factories import login_as, make_staff
from tests.respond_support import use_memory_broker
from tests.verification_support import nonce_of, two_years


def _answer(client, token, **values):
    form = {"casos_reportados": "", "casos_judicializados": "", "comentario": "", **{k: str(v) for k, v in values.items()}}
    return client.post(f"/r/{token}/s/casos", data={**form, "nav": "next"})


def test_a_120_vs_12_count_is_flagged_confirmed_queried_corrected_and_verified(app, client):
    use_memory_broker(app)
    round_, invitation, token, _ = two_years()
    # The official reports 120 cases where the institution reported 12 last year.
    assert _answer(client, token, casos_reportados=120, casos_judicializados=30, comentario="Año difícil").status_code == 303
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "El año pasado su institución informó 12; ahora informa 120." in review
    # A warning, never a block: they confirm with a note, then submit.
    client.post(f"/r/{token}/plausibility/casos_reportados", data={"note": "Se creó una fiscalía especializada"})
    assert db.session.get(PlausibilityNote, (invitation.response.id, "casos_reportados")).note.startswith("Se creó")
    assert "Usted confirmó este dato." in client.get(f"/r/{token}/review").get_data(as_text=True)
    assert client.post(f"/r/{token}/submit", data={"nonce": nonce_of(client, token)}).status_code == 303
    after = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert "Sus respuestas ya se enviaron" in after and "Puede enviar igual" not in after

    # Staff see the flag with the note, and query the official.
    editor = make_staff("editor")
    db.session.commit()
    login_as(client, editor)
    overview = client.get(f"/verification/rounds/{round_.id}").get_data(as_text=True)
    assert "Se creó una fiscalía especializada" in overview and "Informe 2025" in overview
    assert "Antes: 12 («Informe 2025»)" in overview  # counts read as counts, not 12.0
    page = client.get(f"/verification/rounds/{round_.id}/invitations/{invitation.id}")
    assert page.status_code == 200
    assert "Marcado: antes 12 («Informe 2025»), ahora 120." in page.get_data(as_text=True)
    asked = client.post(f"/verification/rounds/{round_.id}/invitations/{invitation.id}/casos_reportados",
                        data={"action": "query", "text": "¿Son 120 casos o 12? Adjunte el reporte del SIDPOL."})
    assert asked.status_code == 303
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "query"))
    assert message.to_addr == invitation.email
    rendered = mailer.render(mailer.draft(message))
    assert "¿Son 120 casos o 12?" in rendered.text and f"/r/{token}/questions/casos_reportados" in rendered.text

    # The official opens the link (answers submitted, round locked for changes), corrects that answer only.
    with client.session_transaction() as session:
        session.clear()
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    before = dict(response.answers)
    assert client.get(f"/r/{token}/s/casos").status_code == 303  # the section stays closed
    shown = client.get(f"/r/{token}/questions/casos_reportados").get_data(as_text=True)
    assert "¿Son 120 casos o 12?" in shown and 'name="casos_reportados"' in shown
    assert 'name="comentario"' not in shown
    reply = client.post(f"/r/{token}/questions/casos_reportados",
                        data={"casos_reportados": "12", "comentario": "cambiado a escondidas",
                              "_note": "Error de digitación: eran 12."})
    assert reply.status_code == 303
    db.session.expire_all()
    response = db.session.get(Response, response.id)
    assert response.revision == 2
    latest = db.session.scalar(select(ResponseRevision).where(ResponseRevision.response_id == response.id,
                                                              ResponseRevision.number == 2))
    assert latest.answers == {**before, "casos_reportados": 12}  # nothing else of the submitted response changed
    rows = dict(db.session.execute(select(Answer.question_key, Answer.value).where(Answer.response_id == response.id)).all())
    assert rows["casos_reportados"] == "12" and rows["comentario"] == "Año difícil"
    query = db.session.scalar(select(Query))
    assert query.status == "closed" and query.closed_revision == 2
    assert [m.author for m in query.messages] == ["staff", "respondent"]
    # The query page now shows the thread without the form; a second reply changes nothing.
    again = client.post(f"/r/{token}/questions/casos_reportados", data={"casos_reportados": "99"})
    assert again.status_code == 200 and "Consulta respondida" in again.get_data(as_text=True)
    assert db.session.get(Response, response.id).revision == 2

    # Staff verify the corrected answer with its source.
    login_as(client, editor)
    client.post(f"/verification/rounds/{round_.id}/invitations/{invitation.id}/casos_reportados",
                data={"action": "verified", "text": "Reporte SIDPOL 2026"})
    state = db.session.scalar(select(Verification).where(Verification.question_key == "casos_reportados"))
    assert state.state == "verified" and state.source == "Reporte SIDPOL 2026"
    page = client.get(f"/verification/rounds/{round_.id}/invitations/{invitation.id}").get_data(as_text=True)
    assert "Error de digitación: eran 12." in page and "Verificada" in page


def test_a_coordinator_of_another_region_gets_404(app, client):
    round_, invitation, _token, _ = two_years(region="puno", name="Fiscalía Provincial de Puno")
    coordinator = make_staff("coordinator")
    from survey.services.reference import match_region
    coordinator.regions = [match_region("cusco")]
    db.session.commit()
    login_as(client, coordinator)
    assert client.get(f"/verification/rounds/{round_.id}/invitations/{invitation.id}").status_code == 404
    assert client.post(f"/verification/rounds/{round_.id}/invitations/{invitation.id}/casos_reportados",
                       data={"action": "verified", "text": "x"}).status_code == 404
    assert "Funcionaria 2026" not in client.get(f"/verification/rounds/{round_.id}").get_data(as_text=True)
