"""Supporting documents in the round's exports: the workbook lists each answer's files (name, size, verified
or not) and an Evidencias sheet of every file; a round asking for no documents keeps its sheets and columns.

Cusco answered with an ordinance (verified by staff) and a budget sheet; Puno with one ordinance; a draft
in Lima holds a file that no workbook row shows.
"""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey import jobs
from survey.evidence.storage import new_key, storage
from survey.extensions import db
from survey.models import Evidence, Export, Response
from survey.services import exports as export_service
from survey.verification import decisions
from survey.workbook.builder import build
from tests.evidence_support import evidence_document, pdf_bytes
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_staff,
    publish_document,
)
from tests.test_exports import queued_tasks, use_memory_broker
from tests.test_scopes import coordinator, region
from workers.exports import build_export

ORDINANCE = pdf_bytes()
#: the invitations' institution (factories.make_invitation's default)
ORGANISATION = "Ministerio del Interior (Dirección General de Seguridad Democrática)"
BUDGET = b"x" * 1_250_000  # 1.25 MB, stored as a spreadsheet: its bytes are not read here


def put_file(response: Response, key: str, name: str, data: bytes, content_type: str = "application/pdf") -> Evidence:
    """A file attached to *response*'s answer of *key*, stored as the upload service stores it."""
    stored = new_key()
    storage().save(stored, io.BytesIO(data))
    item = Evidence(response_id=response.id, question_key=key, original_name=name, stored_key=stored,
                    size_bytes=len(data), content_type=content_type, sha256=hashlib.sha256(data).hexdigest())
    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def documented(db_session):
    """(round, cusco response, puno response, lima draft) with their files."""
    round_ = make_round(publish_document(evidence_document()))
    cusco, _ = make_invitation(round_, region="cusco")
    puno, _ = make_invitation(round_, region="puno")
    lima, _ = make_invitation(round_, region="lima")
    cusco_response = make_response(cusco, {"has_plan": True, "budget": 150000})
    puno_response = make_response(puno, {"has_plan": True})
    lima_draft = make_response(lima, {"has_plan": True}, submitted=False)
    put_file(cusco_response, "has_plan", "=HYPERLINK(\"http://evil.example\").pdf", ORDINANCE)
    put_file(cusco_response, "budget", "presupuesto.xlsx", BUDGET, "application/vnd.ms-excel")
    put_file(puno_response, "has_plan", "ordenanza-puno.pdf", ORDINANCE)
    gone = put_file(puno_response, "budget", "borrado.pdf", ORDINANCE)
    gone.removed_at = gone.uploaded_at
    put_file(lima_draft, "has_plan", "borrador.pdf", ORDINANCE)
    decisions.decide(cusco_response, "has_plan", "verified", user=make_staff("editor"), text="Diario oficial")
    db.session.commit()
    return round_, cusco_response, puno_response, lima_draft


def rows_of(ws) -> tuple[list, dict]:
    header = [c.value for c in ws[1]]
    return header, {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}


def test_each_answer_asking_for_documents_lists_its_files_after_its_verification(app, documented, tmp_path):
    round_, cusco, puno, _ = documented
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    header, rows = rows_of(wb["Respuestas"])
    assert header[7:] == ["has_plan", "has_plan (verificación)", "has_plan (evidencias)", "budget",
                          "budget (verificación)", "budget (evidencias)", "notes", "notes (verificación)",
                          "comments", "comments (verificación)"]
    # Written as text, never as the formula its name looks like.
    assert rows[cusco.id]["has_plan (evidencias)"] == '=HYPERLINK("http://evil.example").pdf (1 KB, verificada)'
    assert rows[cusco.id]["budget (evidencias)"] == "presupuesto.xlsx (1.2 MB, sin verificar)"
    assert rows[puno.id]["has_plan (evidencias)"] == "ordenanza-puno.pdf (1 KB, sin verificar)"
    assert rows[puno.id]["budget (evidencias)"] is None  # its only file was removed
    cell = next(c for c in wb["Respuestas"][2] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    _, codes = rows_of(wb["Respuestas (códigos)"])
    assert codes[cusco.id]["budget (evidencias)"] == "presupuesto.xlsx (1.2 MB, sin verificar)"


def test_the_evidencias_sheet_has_one_row_per_file_within_the_export_regions(app, documented, tmp_path):
    round_, _cusco, _puno, _ = documented
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    assert wb.sheetnames[-1] == "Evidencias"
    sheet = list(wb["Evidencias"].iter_rows(values_only=True))
    assert list(sheet[0]) == ["Organización", "Región", "Clave", "Archivo", "Tamaño (bytes)", "Tipo", "SHA-256",
                              "Adjuntado el", "Verificación de la respuesta"]
    files = [(r[1], r[2], r[3], r[4], r[6], r[8]) for r in sheet[1:]]
    sha = hashlib.sha256(ORDINANCE).hexdigest()
    # By region (ubigeo: Cusco 08, Puno 21); removed files and the Lima draft's are not listed.
    assert files == [
        ("Cusco", "has_plan", '=HYPERLINK("http://evil.example").pdf', len(ORDINANCE), sha, "verificada"),
        ("Cusco", "budget", "presupuesto.xlsx", len(BUDGET), hashlib.sha256(BUDGET).hexdigest(), "sin verificar"),
        ("Puno", "has_plan", "ordenanza-puno.pdf", len(ORDINANCE), sha, "sin verificar"),
    ]
    cusco_only = load_workbook(build(round_.id, tmp_path / "cusco.xlsx", region_ids=[region("cusco").id]).path)
    assert [r[1] for r in cusco_only["Evidencias"].iter_rows(min_row=2, values_only=True)] == ["Cusco", "Cusco"]
    english = load_workbook(build(round_.id, tmp_path / "en.xlsx", lang="en").path)
    assert "Evidence" in english.sheetnames
    assert next(iter(english["Evidence"].iter_rows(min_row=2, values_only=True)))[8] == "verified"


def test_a_round_asking_for_no_documents_keeps_its_sheets_and_columns(app, db_session, tmp_path):
    round_ = make_round(publish_document(export_document()))
    invitation, _ = make_invitation(round_, region="cusco")
    make_response(invitation, {})
    db.session.commit()
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    assert "Evidencias" not in wb.sheetnames
    assert not any("evidencias" in str(c.value) for c in wb["Respuestas"][1])


def ask_for_the_zip(app, client, round_) -> Export:
    """Press the exports page's button; the export task is queued after the commit."""
    page = client.get(f"/results/rounds/{round_.id}/exports").text
    assert "Preparar el ZIP de documentos" in page
    answer = client.post(f"/results/rounds/{round_.id}/evidence")
    assert answer.status_code == 303, answer.text
    export = db.session.scalar(select(Export).order_by(Export.id.desc()))
    assert answer.headers["Location"].endswith(f"/results/exports/{export.id}")
    assert queued_tasks(app) == [(jobs.BUILD_EXPORT, [export.id])]
    return export


def download_zip(client, export: Export) -> zipfile.ZipFile:
    """Run the task body as the worker does, then download the ZIP as an attachment."""
    build_export.run(export.id)
    db.session.refresh(export)
    assert export.status == "ready", export.error
    with client.get(f"/results/exports/{export.id}/download") as download:
        assert download.status_code == 200 and download.mimetype == "application/zip"
        assert download.headers["Content-Disposition"].startswith("attachment; filename=evidencias-")
        return zipfile.ZipFile(io.BytesIO(download.get_data()))


def index_of(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))


def test_an_editor_downloads_every_live_document_of_the_round_by_region(app, client, documented):
    round_, *_ = documented
    use_memory_broker(app)
    queued_tasks(app)
    login_as(client, make_staff("editor"))
    export = ask_for_the_zip(app, client, round_)
    assert (export.kind, export.region_ids) == ("evidence", None)
    archive = download_zip(client, export)
    db.session.refresh(export)
    assert (export.rows_done, export.rows_total) == (4, 4)  # progress counted per file
    organisation = ORGANISATION
    assert sorted(archive.namelist()) == sorted([
        f"cusco/{organisation}/has_plan/_HYPERLINK(_http_evil.example_).pdf",
        f"cusco/{organisation}/budget/presupuesto.xlsx",
        f"lima/{organisation}/has_plan/borrador.pdf",
        f"puno/{organisation}/has_plan/ordenanza-puno.pdf",
        "index.csv",
    ])
    assert archive.read(f"puno/{organisation}/has_plan/ordenanza-puno.pdf") == ORDINANCE
    assert archive.read(f"cusco/{organisation}/budget/presupuesto.xlsx") == BUDGET
    index = index_of(archive)
    first = index[0]
    # Written so that Excel reads the name as text, not as a formula.
    assert first["Archivo"] == "'=HYPERLINK(\"http://evil.example\").pdf"
    assert first["Verificación de la respuesta"] == "verificada"
    assert first["SHA-256"] == hashlib.sha256(ORDINANCE).hexdigest() and first["Región"] == "Cusco"
    assert [(row["Región"], row["Respuesta enviada"]) for row in index[1:]] == [
        ("Cusco", "Sí"), ("Lima (región)", "No"), ("Puno", "Sí")]
    listing = client.get(f"/results/rounds/{round_.id}/exports").text
    assert "Documentos de sustento (ZIP)" in listing
    assert "<td>La ronda anterior, si la hay</td>" not in listing  # a ZIP compares with nothing


def test_a_coordinators_zip_holds_their_region_only_and_nobody_else_opens_it(app, client, documented):
    round_, *_ = documented
    use_memory_broker(app)
    queued_tasks(app)
    login_as(client, coordinator("cusco"))
    assert 'id="evidence-scope"' in client.get(f"/results/rounds/{round_.id}/exports").text
    export = ask_for_the_zip(app, client, round_)
    assert export.region_ids == [region("cusco").id]
    archive = download_zip(client, export)
    assert sorted(archive.namelist()) == [f"cusco/{ORGANISATION}/budget/presupuesto.xlsx",
                                          f"cusco/{ORGANISATION}/has_plan/_HYPERLINK(_http_evil.example_).pdf",
                                          "index.csv"]
    assert {row["Región"] for row in index_of(archive)} == {"Cusco"}

    login_as(client, coordinator("puno"))
    for path in ("", "/status", "/download"):
        assert client.get(f"/results/exports/{export.id}{path}").status_code == 404


def test_an_analyst_asks_for_a_workbook_of_verified_answers_only(app, client, documented):
    round_, *_ = documented
    use_memory_broker(app)
    queued_tasks(app)
    login_as(client, make_staff("analyst"))
    assert 'name="verified_only"' in client.get(f"/results/rounds/{round_.id}/exports").text
    answer = client.post(f"/results/rounds/{round_.id}/exports", data={"lang": "es", "compare": "0",
                                                                        "verified_only": "y"})
    assert answer.status_code == 303
    verified, = db.session.scalars(select(Export).where(Export.round_id == round_.id)).all()
    assert (verified.kind, verified.is_verified_only) == ("workbook", True)
    client.post(f"/results/rounds/{round_.id}/exports", data={"lang": "es", "compare": "0"})
    everything = db.session.scalar(select(Export).where(Export.id != verified.id))
    assert everything.is_verified_only is False
    for export in (verified, everything):
        build_export.run(export.id)
        db.session.refresh(export)
        assert export.status == "ready", export.error

    def summary(export: Export) -> list:
        with client.get(f"/results/exports/{export.id}/download") as download:
            book = load_workbook(io.BytesIO(download.get_data()))
        return [row[0] for row in book["Resumen"].iter_rows(values_only=True)]

    assert "Cifras calculadas solo con respuestas verificadas" in summary(verified)
    assert "Cifras calculadas solo con respuestas verificadas" not in summary(everything)
    listing = client.get(f"/results/rounds/{round_.id}/exports").text
    assert f'id="verified-only-{verified.id}"' in listing and f'id="verified-only-{everything.id}"' not in listing
    # A closed round's final workbook is reused only for the same choice.
    round_.status, round_.closed_at = "closed", verified.created_at
    db.session.commit()
    assert export_service.reusable(round_, is_verified_only=True).id == verified.id
    assert export_service.reusable(round_).id == everything.id
