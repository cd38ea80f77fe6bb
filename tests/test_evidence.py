"""Supporting documents per answer: an official attaches an ordinance and a spreadsheet, staff of the
region download them as attachments, anyone else gets a 404, and what is not a document is refused."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from survey.extensions import db
from survey.models import AuditEvent, Evidence
from tests.evidence_support import HTML_AS_PDF, evidence_document, pdf_bytes, xlsx_bytes
from tests.factories import (
    login_as,
    make_invitation,
    make_round,
    make_staff,
    publish_document,
)
from tests.test_scopes import coordinator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def official(db_session):
    round_ = make_round(publish_document(evidence_document()))
    invitation, token = make_invitation(round_, region="cusco")
    db_session.commit()
    return invitation, token


def attach(client, token, question, data: bytes, name: str, **page):
    """Press "Adjuntar" under *question* with the page's form, as a browser without JavaScript does."""
    form = {"_follow_up": "", "evidence_for": question, f"evidence_file__{question}": FileStorage(io.BytesIO(data), filename=name),
            **page}
    return post_multipart(client, f"/r/{token}/s/gov/evidence", form)


def post_multipart(client, path: str, form: dict):
    """POST *form* as multipart/form-data encoded in memory (the test client's own encoder spools big
    bodies to a temporary file it never closes)."""
    stream, length, boundary = stream_encode_multipart(form, use_tempfile=False)
    return client.post(path, input_stream=stream, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


def fetch(client, evidence_id: int):
    """Download one file as staff (the streamed response is read and closed)."""
    with client.get(f"/evidence/{evidence_id}") as response:
        response.get_data()
        return response


def files_of(invitation) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.uploaded_by_id == invitation.id,
                                                          Evidence.removed_at.is_(None)).order_by(Evidence.id)))


def test_an_ordinance_and_a_spreadsheet_reach_staff_of_the_region_only(client, official):
    invitation, token = official
    # Made once: openpyxl stamps the time into the workbook, so a second call a second later differs.
    spreadsheet = xlsx_bytes()
    answer = attach(client, token, "has_plan", pdf_bytes(), "Ordenanza Nº 012-2025.pdf", has_plan="true")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/s/gov#q-has_plan-block")
    assert attach(client, token, "budget", spreadsheet, "presupuesto.xlsx", has_plan="true").status_code == 303
    ordinance, sheet = files_of(invitation)
    assert (ordinance.content_type, sheet.content_type) == ("application/pdf", XLSX)
    assert ordinance.original_name == "Ordenanza_No_012-2025.pdf" and ordinance.size_bytes == len(pdf_bytes())
    # The page's answers were saved with the button press.
    db.session.expire_all()
    assert invitation.response.answers["has_plan"] is True
    page = client.get(f"/r/{token}/s/gov").get_data(as_text=True)
    assert "Ordenanza_No_012-2025.pdf" in page and "presupuesto.xlsx" in page

    login_as(client, coordinator("cusco"))
    download = fetch(client, ordinance.id)
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.headers["Content-Disposition"] == "attachment; filename=Ordenanza_No_012-2025.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.mimetype == "application/pdf"
    assert fetch(client, sheet.id).data == spreadsheet

    login_as(client, coordinator("puno"))
    assert fetch(client, ordinance.id).status_code == 404
    login_as(client, make_staff("analyst"))
    assert fetch(client, ordinance.id).status_code == 200


def test_an_html_page_named_informe_pdf_is_refused(client, official):
    invitation, token = official
    answer = attach(client, token, "has_plan", HTML_AS_PDF, "informe.pdf")
    assert answer.status_code == 303
    assert files_of(invitation) == []
    page = client.get(f"/r/{token}/s/gov").get_data(as_text=True)
    assert "text/html" in page and "no se acepta" in page


def test_files_are_removed_or_replaced_until_the_answers_are_submitted(client, official):
    invitation, token = official
    attach(client, token, "has_plan", pdf_bytes("primera"), "borrador.pdf")
    (first,) = files_of(invitation)
    stored = client.application.config["SURVEY_EVIDENCE_DIR"] + "/" + first.stored_key
    assert client.post(f"/r/{token}/s/gov/evidence/{first.id}/remove").status_code == 303
    attach(client, token, "has_plan", pdf_bytes("final"), "final.pdf")
    assert [item.original_name for item in files_of(invitation)] == ["final.pdf"]
    import os
    assert not os.path.exists(stored)

    invitation.response.submitted_at = invitation.response.updated_at
    db.session.commit()
    attach(client, token, "has_plan", pdf_bytes(), "tarde.pdf")
    (final,) = files_of(invitation)
    client.post(f"/r/{token}/s/gov/evidence/{final.id}/remove")
    assert [item.original_name for item in files_of(invitation)] == ["final.pdf"]


def test_a_required_document_is_asked_for_like_a_missing_answer(client, official):
    _invitation, token = official
    page = client.post(f"/r/{token}/s/gov", data={"has_plan": "true", "budget": "10", "nav": "next"})
    assert page.status_code == 200
    assert "Adjunte al menos un documento de sustento" in page.get_data(as_text=True)
    attach(client, token, "has_plan", pdf_bytes(), "ordenanza.pdf")
    moved = client.post(f"/r/{token}/s/gov", data={"has_plan": "true", "budget": "10", "nav": "next"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/s/end")


def test_files_over_the_limits_are_refused(app, client, official, monkeypatch):
    invitation, token = official
    monkeypatch.setitem(app.config, "SURVEY_EVIDENCE_MAX_FILE_MB", 0.5)
    monkeypatch.setitem(app.config, "SURVEY_EVIDENCE_MAX_RESPONSE_MB", 1)
    big = b"%PDF-1.4\n" + b"0" * (600 * 1024)
    answer = attach(client, token, "has_plan", big, "grande.pdf")
    assert answer.status_code == 303 and files_of(invitation) == []
    assert "máximo por archivo" in client.get(f"/r/{token}/s/gov").get_data(as_text=True)
    part = b"%PDF-1.4\n" + b"0" * (400 * 1024)
    attach(client, token, "has_plan", part, "a.pdf")
    attach(client, token, "budget", part, "b.pdf")
    attach(client, token, "budget", part, "c.pdf")
    assert [item.original_name for item in files_of(invitation)] == ["a.pdf", "b.pdf"]
    assert "máximo por respuesta" in client.get(f"/r/{token}/s/gov").get_data(as_text=True)


def test_a_question_without_evidence_takes_no_file(client, official):
    invitation, token = official
    attach(client, token, "notes", pdf_bytes(), "x.pdf")
    assert files_of(invitation) == []
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.attach")) is None


def test_a_staff_query_reopens_the_question_s_documents_too_and_only_that_question_s(client, official):
    from survey.verification import decisions

    invitation, token = official
    attach(client, token, "has_plan", pdf_bytes("primera"), "ordenanza.pdf", has_plan="true")
    invitation.response.submitted_at = invitation.response.updated_at
    db.session.commit()
    path = f"/r/{token}/questions/has_plan/evidence"
    # Submitted and not queried: the documents are final.
    post_multipart(client, path, {"evidence_file": FileStorage(io.BytesIO(pdf_bytes("b")), filename="b.pdf")})
    assert [item.original_name for item in files_of(invitation)] == ["ordenanza.pdf"]

    decisions.ask(invitation.response, "has_plan", "¿Puede adjuntar la ordenanza publicada?", user=None)
    db.session.commit()
    page = client.get(f"/r/{token}/questions/has_plan").get_data(as_text=True)
    assert "Documentos de sustento de esta pregunta" in page and "ordenanza.pdf" in page
    # The reply typed before pressing "Adjuntar" comes back with the page (one form, no JavaScript).
    typed = {"has_plan": "false", "_note": "Adjunto la ordenanza publicada en El Peruano."}
    answer = post_multipart(client, path, {**typed, "evidence_file": FileStorage(io.BytesIO(pdf_bytes("c")),
                                                                                 filename="publicada.pdf")})
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Adjuntamos «publicada.pdf»" in shown
    assert ">Adjunto la ordenanza publicada en El Peruano.</textarea>" in shown
    assert 'name="has_plan" value="false" checked>' in shown
    first = files_of(invitation)[0]
    removed = client.post(f"/r/{token}/questions/has_plan/evidence/{first.id}/remove", data=typed)
    assert removed.status_code == 200 and "Adjunto la ordenanza publicada" in removed.get_data(as_text=True)
    assert [item.original_name for item in files_of(invitation)] == ["publicada.pdf"]
    # Nothing of the reply was sent yet: the query is still open.
    assert client.get(f"/r/{token}/questions/has_plan").status_code == 200
    # Another question of the submitted response stays closed.
    post_multipart(client, f"/r/{token}/questions/budget/evidence",
                   {"evidence_file": FileStorage(io.BytesIO(pdf_bytes("d")), filename="otro.pdf")})
    assert [item.question_key for item in files_of(invitation)] == ["has_plan"]


def test_staff_verifying_an_answer_find_its_documents_beside_it(client, official):
    from survey.models._types import utcnow

    invitation, token = official
    attach(client, token, "has_plan", pdf_bytes(), "Ordenanza regional.pdf", has_plan="true")
    [ordinance] = files_of(invitation)
    db.session.expire_all()
    invitation.response.submitted_at = utcnow()
    db.session.commit()
    login_as(client, coordinator("cusco"))
    page = client.get(f"/verification/rounds/{invitation.round_id}/invitations/{invitation.id}").get_data(as_text=True)
    section = page.split('id="answer-has_plan"')[1].split("</section>")[0]
    assert f'href="/evidence/{ordinance.id}"' in section and "Ordenanza_regional.pdf" in section
    assert fetch(client, ordinance.id).data == pdf_bytes()


def test_a_file_too_large_for_the_query_page_comes_back_to_the_question(app, client, official, monkeypatch):
    from survey.verification import decisions

    invitation, token = official
    attach(client, token, "has_plan", pdf_bytes(), "ordenanza.pdf", has_plan="true")
    invitation.response.submitted_at = invitation.response.updated_at
    decisions.ask(invitation.response, "has_plan", "¿Puede adjuntar la ordenanza publicada?", user=None)
    db.session.commit()
    monkeypatch.setitem(app.config, "SURVEY_EVIDENCE_MAX_FILE_MB", 0.5)
    huge = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)  # past the request's limit (file limit + 1 MB for the form)
    answer = post_multipart(client, f"/r/{token}/questions/has_plan/evidence",
                            {"evidence_file": FileStorage(io.BytesIO(huge), filename="enorme.pdf")})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/questions/has_plan")
    assert "máximo por archivo" in client.get(answer.headers["Location"]).get_data(as_text=True)
    # The address the page stays at after attaching (a reload, the language switch) leads to the question.
    back = client.get(f"/r/{token}/questions/has_plan/evidence")
    assert back.status_code == 303 and back.headers["Location"].endswith("/questions/has_plan")
