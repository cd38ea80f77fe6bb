"""Inviting officials: every bad row reported with its number, all or nothing, one by hand,
revoking and reissuing links; in the browser, upload -> report -> confirm."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from survey import tokens
from survey.extensions import db
from survey.models import AuditEvent, Invitation, OutboxMessage
from survey.models._types import utcnow
from survey.services import invitations as invitation_service
from survey.services.official_list import OfficialRow, parse
from tests.factories import login_as, make_invitation, make_round, make_user

HEADER = "nombre,correo,institución,región,cargo,idioma\n"


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


def row(n: int, name="Ana Quispe", email=None, institution="MININTER", region="Cusco", position="", language=""):
    return OfficialRow(n, name, email if email is not None else f"persona{n}@gob.pe", institution, region,
                       position, language)


def invitation_count(round_) -> int:
    return Invitation.query.filter_by(round_id=round_.id).count()


def mark_sent(message: OutboxMessage) -> None:
    message.status, message.sent_at = "sent", utcnow()
    db.session.flush()


def messages_of(invitation) -> list[OutboxMessage]:
    return list(OutboxMessage.query.filter_by(invitation_id=invitation.id, kind="invitation")
                .order_by(OutboxMessage.seq))


# --- checking rows -------------------------------------------------------------------------


def test_every_kind_of_bad_row_is_reported_with_its_number(request_ctx):
    round_ = make_round(status="draft")
    make_invitation(round_, email="ya.invitada@gob.pe")
    rows = [
        row(2),
        row(3, email="no-es-un-correo"),
        row(4, email="PERSONA2@gob.pe"),
        row(5, email="Ya.Invitada@GOB.pe"),
        row(6, institution="Ministerio de la Magia"),
        row(7, region="Atlántida"),
        row(8, name=""),
        row(9, language="fr"),
        row(10, email=""),
        row(11, institution="", region=""),
        row(12, name="", email="malo@", language="qu"),
    ]
    report = invitation_service.check_rows(round_, rows)
    assert [r.source.row for r in report.accepted] == [2]
    codes = {r.source.row: [reason.code for reason in r.reasons] for r in report.rejected}
    assert codes == {
        3: ["email_invalid"],
        4: ["duplicate_in_file"],
        5: ["duplicate_in_round"],
        6: ["organisation_unknown"],
        7: ["region_unknown"],
        8: ["name_missing"],
        9: ["language_invalid"],
        10: ["email_missing"],
        11: ["region_missing", "institution_missing"],
        12: ["name_missing", "email_invalid", "language_invalid"],
    }
    messages = {r.source.row: " ".join(str(reason.message) for reason in r.reasons) for r in report.rejected}
    assert messages[4] == "Correo repetido: ya está en la fila 2."
    assert messages[6] == ("Organización desconocida: «Ministerio de la Magia». Regístrela en Organizaciones o pida "
                           "registrar las que faltan.")
    assert messages[9] == "Idioma «fr» no válido: use es o en."


def test_institutions_and_regions_match_by_code_acronym_or_name_ignoring_accents(request_ctx):
    round_ = make_round(status="draft")
    rows = [row(2, institution="mininter", region="08"), row(3, institution="Poder judicial", region="JUNIN"),
            row(4, institution="MINISTERIO PUBLICO – FISCALIA DE LA NACION (FISTRAP, UDAVIT)", region="san martin"),
            row(5, institution="PNP", region="8"), row(6, institution="MIMP", region="lima_metropolitana"),
            row(7, institution="Ministerio Público", region="Áncash"),
            row(8, institution="Fiscalía de la Nación", region="Lima Metropolitana"),
            row(9, institution="Gobierno Regional de Cusco", region="CUSCO"),
            row(10, institution="policia nacional del peru", region="Madre de Dios")]
    report = invitation_service.check_rows(round_, rows)
    assert report.is_clean, [(r.source.row, [str(x.message) for x in r.reasons]) for r in report.rejected]
    assert [(c.institution.code, c.region.key) for c in report.accepted] == [
        ("mininter", "cusco"), ("pj", "junin"), ("mpfn", "san_martin"), ("pnp", "cusco"),
        ("mimp", "lima_metropolitana"), ("mpfn", "ancash"), ("mpfn", "lima_metropolitana"), ("gore", "cusco"),
        ("pnp", "madre_de_dios")]
    ambiguous = invitation_service.check_rows(round_, [row(2, institution="Ministerio")])
    assert [r.code for r in ambiguous.rejected[0].reasons] == ["organisation_unknown"]


def test_a_list_is_all_or_nothing(request_ctx):
    round_ = make_round(status="draft")
    report = invitation_service.check_rows(round_, [row(2), row(3, email="malo")])
    with pytest.raises(invitation_service.InvitationError):
        invitation_service.save(round_, report)
    assert invitation_count(round_) == 0
    created = invitation_service.save(round_, report, skip_invalid=True, source="lista.csv")
    assert [i.email for i in created] == ["persona2@gob.pe"]
    event = AuditEvent.query.filter_by(action="invitation.import", object_id=str(round_.id)).one()
    assert event.details == {"count": 1, "skipped": 1, "file": "lista.csv"}


def test_emails_are_kept_lower_case_and_each_invitation_has_its_own_link(request_ctx):
    round_ = make_round(status="draft")
    report = invitation_service.check_rows(round_, [row(2, email="Ana.Quispe@MININTER.gob.pe"), row(3)])
    first, second = invitation_service.save(round_, report)
    assert first.email == "ana.quispe@mininter.gob.pe"
    assert tokens.find(tokens.token_for(first)) is first
    assert first.token_hash != second.token_hash
    assert len(tokens.token_for(first)) >= 22  # ≥ 128 bits in base64url
    assert OutboxMessage.query.filter_by(round_id=round_.id).count() == 0  # a draft sends nothing


def test_inviting_into_an_open_round_queues_the_invitation_at_once(request_ctx):
    round_ = make_round(status="open")
    (invitation,) = invitation_service.save(round_, invitation_service.check_rows(round_, [row(2)]))
    added = invitation_service.add(round_, "Luis Mamani", "luis@pnp.gob.pe", "pnp", "puno")
    assert len(messages_of(invitation)) == 1 and len(messages_of(added)) == 1


def test_a_closed_round_takes_no_one(request_ctx):
    round_ = make_round(status="closed")
    with pytest.raises(invitation_service.InvitationError):
        invitation_service.add(round_, "Luis Mamani", "luis@pnp.gob.pe", "pnp", "puno")


def test_adding_one_official_runs_the_same_checks(request_ctx):
    round_ = make_round(status="draft")
    invitation = invitation_service.add(round_, "  Luis   Mamani ", "Luis@PNP.gob.pe", "PNP", "Puno",
                                        position="Comisario", language="en")
    assert (invitation.name, invitation.email, invitation.language) == ("Luis Mamani", "luis@pnp.gob.pe", "en")
    assert invitation.institution.code == "pnp" and invitation.region.key == "puno"
    with pytest.raises(invitation_service.InvitationError) as error:
        invitation_service.add(round_, "", "LUIS@pnp.gob.pe", "Ministerio de la Magia", "Puno", language="fr")
    assert [r.code for r in error.value.reasons] == [
        "name_missing", "duplicate_in_round", "organisation_unknown", "language_invalid"]
    assert AuditEvent.query.filter_by(action="invitation.add").count() == 1


def test_revoking_kills_the_link_and_frees_the_address(request_ctx):
    round_ = make_round(status="open")
    invitation, token = make_invitation(round_, email="ana@gob.pe")
    invitation_service.revoke(invitation)
    assert invitation.status == "revoked" and invitation.revoked_at is not None
    assert tokens.find(token) is None
    again = invitation_service.add(round_, "Ana Quispe", "ana@gob.pe", "mininter", "cusco")
    assert again.id != invitation.id
    with pytest.raises(invitation_service.InvitationError):
        invitation_service.reissue(invitation)
    assert AuditEvent.query.filter_by(action="invitation.revoke", object_id=str(invitation.id)).count() == 1


def test_a_submitted_invitation_is_not_revoked(request_ctx):
    round_ = make_round(status="open")
    invitation, token = make_invitation(round_, status="submitted")
    with pytest.raises(invitation_service.InvitationError):
        invitation_service.revoke(invitation)
    assert tokens.find(token) is invitation


def test_reissuing_kills_the_old_link_and_sends_the_new_one(request_ctx):
    round_ = make_round(status="draft")
    invitation, first_token = make_invitation(round_)
    from survey.services import rounds as round_service

    round_service.open_round(round_)
    mark_sent(messages_of(invitation)[0])
    invitation_service.reissue(invitation)
    new_token = tokens.token_for(invitation)
    assert tokens.find(first_token) is None
    assert tokens.find(new_token) is invitation
    assert [m.seq for m in messages_of(invitation)] == [0, 1]
    mark_sent(messages_of(invitation)[1])
    invitation_service.reissue(invitation)
    assert [m.seq for m in messages_of(invitation)] == [0, 1, 2]
    assert AuditEvent.query.filter_by(action="invitation.reissue", object_id=str(invitation.id)).count() == 2


def test_a_double_click_on_new_link_sends_one_mail(request_ctx):
    round_ = make_round(status="open")
    invitation, _ = make_invitation(round_)
    invitation_service.reissue(invitation)
    invitation_service.reissue(invitation)
    # the waiting e-mail is rendered at send time, with the newest link
    assert [m.seq for m in messages_of(invitation)] == [0]
    assert tokens.find(tokens.token_for(invitation)) is invitation


def test_reissuing_before_opening_sends_nothing_until_the_round_opens(request_ctx):
    round_ = make_round(status="draft")
    invitation, first_token = make_invitation(round_)
    invitation_service.reissue(invitation)
    assert tokens.find(first_token) is None and messages_of(invitation) == []


# --- the browser -----------------------------------------------------------------------------


def upload(client, round_, content: bytes, name: str = "lista.csv"):
    return client.post(f"/rounds/{round_.id}/invitations/upload",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_upload_report_then_confirm(client, db_session):
    round_ = make_round(status="open")
    login_as(client, make_user("editor"))
    db_session.commit()  # the refused confirmation rolls back its own work only
    csv_text = HEADER + (
        "Ana Quispe,ana@mininter.gob.pe,Mininter,Cusco,Directora,es\n"
        "<script>alert('x')</script>,malo,Ministerio de la Magia,Cusco,,\n"
        "José Núñez,jose@mpfn.gob.pe,Ministerio Público,Junín,Fiscal,\n"
    )
    response = upload(client, round_, csv_text.encode())
    assert response.status_code == 302
    report_url = response.location
    page = client.get(report_url).get_data(as_text=True)
    assert invitation_count(round_) == 0  # nothing saved before the confirmation
    assert "2 filas aceptadas, 1 rechazada." in page
    assert re.search(r"<td>3</td>\s*<td>&lt;script&gt;alert\(&#39;x&#39;\)&lt;/script&gt;</td>", page)
    assert "<script>alert" not in page
    assert "Correo no válido: «malo»." in page and "Organización desconocida: «Ministerio de la Magia»." in page
    # confirming everything is refused while a row is rejected
    response = client.post(report_url)
    assert response.status_code == 409 and invitation_count(round_) == 0
    response = client.post(report_url, data={"skip_invalid": "1"})
    assert response.status_code == 302
    names = sorted(i.name for i in Invitation.query.filter_by(round_id=round_.id))
    assert names == ["Ana Quispe", "José Núñez"]
    assert OutboxMessage.query.filter_by(round_id=round_.id, kind="invitation").count() == 2
    assert client.get(report_url).status_code == 404  # the upload is forgotten once saved
    again = client.post(report_url, data={"skip_invalid": "1"}, follow_redirects=True)  # a double click
    assert "Esta lista ya se guardó o caducó" in again.get_data(as_text=True)
    assert invitation_count(round_) == 2


def test_a_clean_upload_is_saved_whole_on_confirm(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_user("editor"))
    response = upload(client, round_, (HEADER + "Ana,ana@gob.pe,PNP,Puno,,\nLuis,luis@gob.pe,PJ,Tacna,,en\n").encode())
    page = client.get(response.location).get_data(as_text=True)
    assert "Confirmar e invitar a 2 personas" in page
    assert client.post(response.location).status_code == 302
    assert invitation_count(round_) == 2


def test_the_report_is_checked_again_at_confirmation(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_user("editor"))
    response = upload(client, round_, (HEADER + "Ana,ana@gob.pe,PNP,Puno,,\n").encode())
    make_invitation(round_, email="ANA@gob.pe")  # someone else invited her meanwhile
    db_session.commit()
    confirm = client.post(response.location)
    assert confirm.status_code == 409
    assert "El correo ya está invitado a esta ronda." in confirm.get_data(as_text=True)
    assert invitation_count(round_) == 1


def test_an_unusable_file_is_refused_on_the_upload_page(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_user("editor"))
    response = upload(client, round_, b"%PDF-1.4 \x00\x01", "lista.pdf")
    assert response.status_code == 422
    assert "no es una hoja de cálculo" in response.get_data(as_text=True)
    response = upload(client, round_, b"nombre,correo\nAna,ana@gob.pe\n")
    assert "Falta la columna: región / region, institución u organización" in response.get_data(as_text=True)


def test_an_upload_is_visible_only_to_who_made_it(client, db_session):
    round_ = make_round(status="draft")
    login_as(client, make_user("editor"))
    location = upload(client, round_, (HEADER + "Ana,ana@gob.pe,PNP,Puno,,\n").encode()).location
    login_as(client, make_user("editor"))
    assert client.get(location).status_code == 404
    assert client.post(location).status_code == 302 and invitation_count(round_) == 0
    assert client.get(f"/rounds/{round_.id}/invitations/import/..%2F..%2Fsecret_key").status_code == 404


def test_adding_one_official_in_the_browser(client, db_session):
    round_ = make_round(status="open")
    login_as(client, make_user("editor"))
    assert client.get(f"/rounds/{round_.id}/invitations/new").status_code == 200
    data = {"name": "<b>Luis</b>", "email": "luis@pnp.gob.pe", "institution": "pnp", "region": "puno",
            "position": "", "language": "es"}
    assert client.post(f"/rounds/{round_.id}/invitations/new", data=data).status_code == 302
    db_session.commit()
    again = client.post(f"/rounds/{round_.id}/invitations/new", data=dict(data, email="LUIS@pnp.gob.pe"))
    assert again.status_code == 422
    assert "El correo ya está invitado a esta ronda." in again.get_data(as_text=True)
    invitation = Invitation.query.filter_by(round_id=round_.id).one()
    assert len(messages_of(invitation)) == 1
    shown = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "&lt;b&gt;Luis&lt;/b&gt;" in shown and "<b>Luis</b>" not in shown
    assert tokens.token_for(invitation) not in shown  # staff never see links


def test_revoke_and_reissue_buttons(client, db_session):
    round_ = make_round(status="open")
    invitation, token = make_invitation(round_)
    other_round = make_round(status="open")
    login_as(client, make_user("editor"))
    base = f"/rounds/{round_.id}/invitations/{invitation.id}"
    assert client.post(f"/rounds/{other_round.id}/invitations/{invitation.id}/revoke").status_code == 404
    response = client.post(f"{base}/reissue")
    assert response.status_code == 302
    assert tokens.find(token) is None
    new_token = tokens.token_for(invitation)
    assert new_token not in client.get(response.location).get_data(as_text=True)
    assert client.post(f"{base}/revoke").status_code == 302
    assert invitation.status == "revoked" and tokens.find(new_token) is None
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.invitation_id == invitation.id)) == 1


def test_analysts_cannot_invite_or_revoke(client, db_session):
    round_ = make_round(status="open")
    invitation, token = make_invitation(round_)
    login_as(client, make_user("analyst"))
    assert client.post(f"/rounds/{round_.id}/invitations/{invitation.id}/revoke").status_code == 403
    assert client.post(f"/rounds/{round_.id}/invitations/new", data={}).status_code == 403
    assert tokens.find(token) is invitation


def test_parsed_rows_survive_between_the_two_steps(request_ctx):
    rows = parse("l.csv", (HEADER + "Ana,ana@gob.pe,PNP,Puno,Jefa,en\n").encode())
    from survey.rounds import pending

    key = pending.store(7, 3, "l.csv", rows)
    assert pending.load(key, 7, 3) == ("l.csv", rows)
    assert pending.load(key, 8, 3) is None and pending.load(key, 7, 4) is None
    pending.discard(key)
    assert pending.load(key, 7, 3) is None
