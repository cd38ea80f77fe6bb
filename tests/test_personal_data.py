"""Personal data under Ley 29733: everything held about one official, and erasure after the retention period.

The story: Ana Quispe, a regional director, was invited to two rounds, answered one with numbers,
choices and free text, got e-mails (one bounced and staff retried it), and a workbook of the round
was built. Every trace of her is findable by the word "quispe".
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from survey import tokens
from survey.filters import lima_date
from survey.models import (
    Answer,
    AuditEvent,
    Export,
    OutboxMessage,
    Response,
    RoundResult,
)
from survey.models._types import utcnow
from survey.services import (
    audit,
    organisations,
    outbox,
    outbox_staff,
    personal_data,
    results,
)
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_staff,
    publish_document,
)

EMAIL = "Ana.Quispe@minjus.gob.pe"
#: what only Ana wrote or is: none of it may survive the erasure anywhere in the database
NEEDLE = "quispe"
ANSWERS = {
    "org_name": "Oficina regional de la directora Quispe", "has_plan": True, "plan_status": "approved",
    "actions": ["a", "b"], "budget": 1500.5, "staff": 7, "plan_date": "2026-01-15",
    "grid": {"r1": "yes", "r2": "no"}, "victims": {"f": {"adult": 3, "minor": 1}, "m": {"adult": 2, "minor": 0}},
    "quality": 4, "notes": "Notas privadas: la directora Quispe teme represalias.",
    "legacy_comment": "Comentario de un cuestionario antiguo, firmado Quispe",
}


def _round(version, closed_days_ago: int, retention_days: int = 365):
    now = utcnow()
    return make_round(version, status="closed", opens_at=now - timedelta(days=closed_days_ago + 60),
                      closes_at=now - timedelta(days=closed_days_ago), closed_at=now - timedelta(days=closed_days_ago),
                      retention_days=retention_days)


def story(db_session, tmp_path: Path, *, closed_days_ago: int = 400) -> dict:
    """Ana in two rounds closed *closed_days_ago* days ago (retention 365), with all kinds of records."""
    version = publish_document(export_document())
    first, second = _round(version, closed_days_ago), _round(version, closed_days_ago)
    office = organisations.create("Dirección Regional de Prevención", "state_regional")
    ana, token = make_invitation(first, email=EMAIL, name="Ana Quispe Mamani", organisation=office,
                                 position="Directora regional Quispe", decline_reason="Motivo privado de Quispe")
    again, _ = make_invitation(second, email=EMAIL.lower(), name="Ana Quispe Mamani")
    colleague, _ = make_invitation(first, email="colega@minjus.gob.pe", name="Luis Rojas")
    make_response(colleague, {"org_name": "Oficina de Luis", "staff": 3, "has_plan": False})
    response = make_response(ana, ANSWERS)
    sent = outbox.add(ana, "invitation")
    sent.status, sent.sent_at = "sent", utcnow()
    sent.subject, sent.body_text = "Cuestionario", f"Estimada Ana Quispe Mamani ({EMAIL}): responda aquí."
    bounced = outbox.add(ana, "reminder", 1)
    bounced.status, bounced.last_error = "failed", f"{EMAIL}: 550 5.1.1 <{EMAIL}>: mailbox ana.quispe unknown"
    db_session.flush()
    audit.record("invitation.add", ana, round=first.id)
    assert outbox_staff.retry_by_hand(bounced)
    workbook = tmp_path / "ronda.xlsx"
    workbook.write_bytes(b"Ana Quispe Mamani")
    db_session.add(Export(round_id=first.id, status="ready", file_path=str(workbook), file_size=17,
                          expires_at=utcnow() + timedelta(hours=24)))
    results.aggregate(first.id)
    db_session.flush()
    return {"round": first, "ana": ana, "again": again, "token": token, "response": response,
            "colleague": colleague, "office": office, "workbook": workbook, "messages": [sent, bounced]}


def hits(db_session, needle: str = NEEDLE) -> list[str]:
    """Every table and row of the whole database (not only the models') whose text holds *needle*."""
    connection = db_session.connection()
    found = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):
            values = [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v) for v in row]
            if needle in " ".join(values).lower():
                found.append(f"{table}: {row}")
    return found


def test_the_story_finds_ana_everywhere_before_the_erasure(db_session, tmp_path):
    # The grep below is only worth something if it sees her in every place she is kept.
    story(db_session, tmp_path)
    tables = {found.split(":")[0] for found in hits(db_session)}
    assert {"invitations", "responses", "response_revisions", "answers", "outbox_messages"} <= tables


def test_the_audit_log_names_invitations_never_the_person(db_session, tmp_path):
    s = story(db_session, tmp_path)
    retry = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retry"))
    placeholder = f"invitation:{s['ana'].id}"
    assert retry.details["previous_error"] == f"{placeholder}: 550 5.1.1 <{placeholder}>: mailbox {placeholder} unknown"
    assert not [h for h in hits(db_session, "@minjus") if h.startswith("audit_events")]


def test_the_download_holds_every_kind_of_record(client, db_session, tmp_path):
    s = story(db_session, tmp_path)
    login_as(client, make_staff("editor"))
    response = client.post(f"/people/{s['ana'].id}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="datos-personales-invitacion-{s["ana"].id}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("datos.json"))
    ana, again = data["invitations"]
    assert [ana["id"], again["id"]] == [s["ana"].id, s["again"].id]  # the same e-mail in another round
    assert ana["name"] == "Ana Quispe Mamani" and ana["position"] == "Directora regional Quispe"
    assert ana["decline_reason"] == "Motivo privado de Quispe" and "token_nonce" not in ana
    assert ana["response"]["answers"] == ANSWERS
    assert ana["response"]["revisions"][0]["answers"] == ANSWERS
    assert {row["question_key"] for row in ana["response"]["answer_rows"]} >= {"notes", "staff", "victims"}
    assert [m["kind"] for m in ana["messages"]] == ["invitation", "reminder"]
    assert {e["action"] for e in data["audit_entries"]} == {"invitation.add", "outbox.retry"}
    emails = sorted(name for name in archive.namelist() if name.endswith(".eml"))
    assert len(emails) == 2
    assert "Estimada Ana Quispe Mamani" in archive.read(emails[0]).decode()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "person.export"))
    assert event.object_type == "invitation" and event.object_id == str(s["ana"].id)
    assert event.details == {"invitations": [s["ana"].id, s["again"].id]}
    assert NEEDLE not in json.dumps(event.details).lower()


def test_erasure_before_the_retention_date_is_refused_with_the_date(client, db_session, tmp_path):
    s = story(db_session, tmp_path, closed_days_ago=10)
    login_as(client, make_staff("editor"))
    db_session.commit()
    page = client.get(f"/people/{s['ana'].id}").get_data(as_text=True)
    when = personal_data.erasable_from(s["round"])
    assert when.date() == (s["round"].closed_at + timedelta(days=365)).date()
    day = lima_date(when)
    assert f"Se podrá eliminar desde el {day}" in page
    assert client.post(f"/people/{s['ana'].id}/erase", data={}).status_code == 422  # not confirmed
    response = client.post(f"/people/{s['ana'].id}/erase", data={"confirm": "y"})
    assert response.status_code == 409
    assert f"se podrán eliminar desde el {day}" in response.get_data(as_text=True)
    db_session.refresh(s["ana"])
    assert s["ana"].email == EMAIL and s["ana"].erased_at is None
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erase")) is None


def test_an_open_round_keeps_its_people(db_session, tmp_path):
    s = story(db_session, tmp_path)
    s["round"].status, s["round"].closed_at = "open", None
    with pytest.raises(personal_data.PersonalDataError, match="no está cerrada"):
        personal_data.erase(s["ana"])


def _numbers(db_session, response_id: int) -> list[tuple]:
    return list(db_session.execute(select(Answer.question_key, Answer.item, Answer.value, Answer.number)
                                   .where(Answer.response_id == response_id, Answer.number.is_not(None))
                                   .order_by(Answer.id)))


def test_after_the_retention_date_the_person_is_gone_everywhere(client, runner, db_session, tmp_path):
    s = story(db_session, tmp_path)
    ana_id, response_id, round_id = s["ana"].id, s["response"].id, s["round"].id
    numbers, scores = _numbers(db_session, response_id), dict(s["response"].scores)
    aggregates = {(r.scope, r.scope_key): r.payload for r in
                  db_session.scalars(select(RoundResult).where(RoundResult.round_id == round_id))}
    login_as(client, make_staff("editor"))
    db_session.commit()

    response = client.post(f"/people/{ana_id}/erase", data={"confirm": "y"})
    assert response.status_code == 302
    assert "Eliminada el" in client.get(response.location).get_data(as_text=True)
    cli = runner.invoke(args=["person", "erase", str(s["again"].id), "--yes"])
    assert cli.exit_code == 0, cli.output
    db_session.expire_all()

    assert hits(db_session) == []
    ana = s["ana"]
    assert (ana.name, ana.email, ana.position) == (f"Persona eliminada #{ana_id}", f"erased-{ana_id}@invalid", "")
    assert ana.status == "submitted" and ana.organisation_id == s["office"].id
    assert ana.region_id is not None and ana.sector == "state"
    assert tokens.find(s["token"]) is None
    kept = db_session.get(Response, response_id)
    assert kept.answers["notes"] == "" and kept.answers["org_name"] == "" and kept.answers["legacy_comment"] == ""
    assert {k: v for k, v in kept.answers.items() if k not in ("notes", "org_name", "legacy_comment")} == \
        {k: v for k, v in ANSWERS.items() if k not in ("notes", "org_name", "legacy_comment")}
    assert kept.scores == scores and _numbers(db_session, response_id) == numbers
    assert {(r.scope, r.scope_key): r.payload for r in
            db_session.scalars(select(RoundResult).where(RoundResult.round_id == round_id))} == aggregates
    results.aggregate(round_id)  # recomputed later, the results are still the same
    assert {(r.scope, r.scope_key): r.payload for r in
            db_session.scalars(select(RoundResult).where(RoundResult.round_id == round_id))} == aggregates
    messages = db_session.scalars(select(OutboxMessage).where(OutboxMessage.invitation_id == ana_id)).all()
    assert {(m.to_addr, m.body_text, m.status) for m in messages} == \
        {(ana.email, "", "sent"), (ana.email, "", "failed")}  # the retried reminder will never go out
    assert not s["workbook"].exists()
    # The colleague's answers are untouched.
    assert db_session.scalar(select(Response.answers).where(Response.invitation_id == s["colleague"].id))[
        "org_name"] == "Oficina de Luis"

    erasures = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "person.erase")).all()
    assert [(e.object_type, e.object_id, e.details) for e in erasures] == \
        [("invitation", str(ana_id), {}), ("invitation", str(s["again"].id), {})]
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "chain intact" in verify.output


def test_erasing_twice_is_recorded_once(db_session, tmp_path):
    s = story(db_session, tmp_path)
    assert personal_data.erase(s["ana"]) is True
    assert personal_data.erase(s["ana"]) is False
    count = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "person.erase")).all()
    assert len(count) == 1


def test_the_round_page_links_to_each_persons_data(client, db_session, tmp_path):
    s = story(db_session, tmp_path)
    login_as(client, make_staff("editor"))
    page = client.get(f"/rounds/{s['round'].id}").get_data(as_text=True)
    assert f'href="/people/{s["ana"].id}"' in page
    person = client.get(f"/people/{s['ana'].id}").get_data(as_text=True)
    assert f'href="/people/{s["again"].id}"' in person and "Eliminar los datos personales" in person
    login_as(client, make_staff("analyst"))
    assert client.get(f"/people/{s['ana'].id}").status_code == 403
    assert client.post(f"/people/{s['ana'].id}/export").status_code == 403


def test_the_forms_need_the_csrf_token(client, db_session, tmp_path, csrf_enabled):
    s = story(db_session, tmp_path)
    login_as(client, make_staff("editor"))
    db_session.commit()
    assert client.post(f"/people/{s['ana'].id}/export").status_code == 400
    assert client.post(f"/people/{s['ana'].id}/erase", data={"confirm": "y"}).status_code == 400
    db_session.refresh(s["ana"])
    assert s["ana"].erased_at is None


def test_the_command_line_exports_by_email_and_erases_by_id(runner, db_session, tmp_path):
    s = story(db_session, tmp_path, closed_days_ago=10)
    as_json = tmp_path / "ana.json"
    result = runner.invoke(args=["person", "export", EMAIL.upper(), "-o", str(as_json)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(as_json.read_text("utf-8"))["invitations"]) == 2
    assert as_json.stat().st_mode & 0o777 == 0o600
    as_zip = tmp_path / "ana.zip"
    assert runner.invoke(args=["person", "export", EMAIL, "-o", str(as_zip)]).exit_code == 0
    assert "datos.json" in zipfile.ZipFile(as_zip).namelist()
    unknown = runner.invoke(args=["person", "export", "nadie@example.org", "-o", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 1 and "No hay invitaciones" in unknown.output
    refused = runner.invoke(args=["person", "erase", str(s["ana"].id), "--yes"])
    assert refused.exit_code == 1 and "se podrán eliminar desde el" in refused.output
    declined = runner.invoke(args=["person", "erase", str(s["ana"].id)], input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output


def test_the_retention_period_is_set_on_the_round_form(client, db_session):
    from tests.test_rounds import round_form

    version = publish_document()
    login_as(client, make_staff("editor"))
    db_session.commit()
    assert client.post("/rounds/new", data=round_form(version, retention_days="-1")).status_code == 422
    assert client.post("/rounds/new", data=round_form(version, retention_days="90")).status_code == 302
    from survey.models import Round

    round_ = db_session.scalars(select(Round).order_by(Round.id.desc())).first()
    assert round_.retention_days == 90
    assert 'value="90"' in client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
