"""The writers' documents as background exports: staff ask for the annex (Word or PDF) or the fact sheets on
the round's exports page, the worker's task builds them like a workbook, and the download is an attachment
of the right type. A coordinator for Cusco gets Cusco only (fact sheets against their regions combined), and
nobody opens another scope's document. The same documents from the shell.

The round of tests/test_reports.py: 2026 answered in Cusco (two), Puno (one of two invited) and Lima (one).
"""
from __future__ import annotations

from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import select

from survey import jobs
from survey.extensions import db
from survey.models import AuditEvent, Export
from survey.models._types import utcnow
from survey.services import exports as export_service
from tests.factories import export_document, login_as, make_staff
from tests.test_exports import queued_tasks, use_memory_broker
from tests.test_reports import (  # noqa: F401
    THIS_YEAR,
    docx_text,
    index,
    pdf_page_count,
    pdf_pages,
    rounds,
)
from tests.test_scopes import coordinator, region
from workers.exports import build_export

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def this_year(app, rounds):  # noqa: F811
    use_memory_broker(app)
    queued_tasks(app)
    return rounds[1]


def ask(client, round_, **fields) -> Export:
    """Post the documents form; return the export it queued."""
    data = {"document-kind": "annex_docx", "document-lang": "es", "document-compare": "0", "document-region": "0"}
    data.update({f"document-{name}": str(value) for name, value in fields.items()})
    answer = client.post(f"/results/rounds/{round_.id}/documents", data=data)
    assert answer.status_code == 303, answer.text
    export = db.session.scalars(select(Export).order_by(Export.id.desc())).first()
    assert answer.headers["Location"].endswith(f"/results/exports/{export.id}")
    return export


def docx_of(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """(paragraphs, tables as rows of cell texts) of a downloaded Word document."""
    doc = Document(BytesIO(data))
    return ([p.text for p in doc.paragraphs],
            [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables])


def built(client, export: Export):
    """Run the task body as the worker does, then download the file."""
    build_export.run(export.id)
    db.session.refresh(export)
    assert export.status == "ready", export.error
    download = client.get(f"/results/exports/{export.id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    return download


def test_an_analyst_asks_for_the_annex_follows_it_and_downloads_the_word_document(app, client, this_year):
    analyst = make_staff("analyst")
    login_as(client, analyst)
    page = client.get(f"/results/rounds/{this_year.id}/exports")
    assert "Anexo (Word)" in page.text and "Fichas regionales (PDF)" in page.text
    export = ask(client, this_year, kind="annex_docx")
    assert (export.kind, export.status, export.region_ids, export.requested_by_id) == (
        "annex_docx", "queued", None, analyst.id)
    assert queued_tasks(app) == [(jobs.BUILD_EXPORT, [export.id])]
    progress = client.get(f"/results/exports/{export.id}")
    assert "Anexo (Word)" in progress.text and 'data-percent-only="true"' in progress.text

    download = built(client, export)
    assert download.mimetype == DOCX and ".docx" in download.headers["Content-Disposition"]
    paragraphs, _ = docx_of(download.data)
    download.close()
    assert "Eje 1: Gobernanza" in paragraphs
    assert "Descargar el documento" in client.get(f"/results/exports/{export.id}").text
    listing = client.get(f"/results/rounds/{this_year.id}/exports").text
    assert "Anexo (Word)" in listing and "Listo" in listing
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.download")).all()
    assert [e.details["kind"] for e in events] == ["annex_docx"]


def test_fact_sheets_of_every_region_or_of_one_in_english(app, client, this_year):
    login_as(client, make_staff("editor"))
    everyone = ask(client, this_year, kind="factsheets")
    download = built(client, everyone)
    assert download.mimetype == "application/pdf" and "fichas-" in download.headers["Content-Disposition"]
    path = export_service.export_dir() / "all.pdf"
    path.write_bytes(download.data)
    download.close()
    assert pdf_page_count(path) == 3

    puno = ask(client, this_year, kind="factsheets", lang="en", region=region("puno").id)
    assert (puno.sheet_region_id, puno.lang) == (region("puno").id, "en")
    download = built(client, puno)
    path.write_bytes(download.data)
    download.close()
    (page,) = pdf_pages(path)
    assert "Puno" in page and "Response rate" in page and "National" in page and "Cusco" not in page
    assert "Puno" in client.get(f"/results/rounds/{this_year.id}/exports").text


def test_a_coordinators_annex_and_fact_sheets_hold_their_regions_only(app, client, this_year):
    cusco = coordinator("cusco")
    login_as(client, cusco)
    page = client.get(f"/results/rounds/{this_year.id}/exports").text
    assert 'id="document-scope"' in page and ">Puno<" not in page  # only their regions to pick from
    export = ask(client, this_year, kind="annex_docx")
    assert export.region_ids == [region("cusco").id]
    download = built(client, export)
    paragraphs, tables = docx_of(download.data)
    download.close()
    cells = " ".join(paragraphs) + " ".join(c for t in tables for row in t for c in row)
    assert "Cusco" in cells and "Puno" not in cells and "Lima" not in cells

    sheets = ask(client, this_year, kind="factsheets")
    download = built(client, sheets)
    path = export_service.export_dir() / "cusco.pdf"
    path.write_bytes(download.data)
    download.close()
    (sheet,) = pdf_pages(path)
    # Cusco against their regions combined (Cusco itself), not against the nation
    assert "frente al conjunto de las regiones" in sheet and "Nacional" not in sheet, sheet
    mine = index(THIS_YEAR["cusco"], "gov", export_document(add_question=True))
    shown = str(int(mine)) if float(mine).is_integer() else f"{mine:.1f}"
    line = next(row for row in sheet.splitlines() if row.strip().startswith("Gobernanza"))
    assert line.split()[-5:-3] == [shown, shown], line


def test_documents_outside_a_coordinators_regions_answer_404(app, client, this_year):
    national = export_service.request(this_year, make_staff("analyst"), kind="annex_docx")
    cusco = export_service.request(this_year, coordinator("cusco"), kind="factsheets",
                                   region_ids=[region("cusco").id])
    one_region = export_service.request(this_year, make_staff("analyst"), kind="factsheets",
                                        sheet_region_id=region("puno").id)
    db.session.commit()
    for export in (national, cusco, one_region):
        export_service.run(export.id, checkpoint=db.session.commit)
    login_as(client, coordinator("puno"))
    for export in (national, cusco, one_region):  # a Puno sheet against the nation is not theirs either
        for suffix in ("", "/status", "/download"):
            assert client.get(f"/results/exports/{export.id}{suffix}").status_code == 404
    listing = client.get(f"/results/rounds/{this_year.id}/exports").text
    assert f"/results/exports/{national.id}/" not in listing and f"/results/exports/{cusco.id}/" not in listing
    # a region outside theirs is no choice: the form refuses it and nothing is queued
    before = db.session.scalar(select(db.func.count(Export.id)))
    answer = client.post(f"/results/rounds/{this_year.id}/documents",
                         data={"document-kind": "factsheets", "document-lang": "es", "document-compare": "0",
                               "document-region": str(region("cusco").id)})
    assert answer.status_code == 400 and db.session.scalar(select(db.func.count(Export.id))) == before
    login_as(client, make_staff("observer"))
    assert client.post(f"/results/rounds/{this_year.id}/documents", data={}).status_code == 403


def post_documents(client, round_, region_value: str):
    """Post the documents form for fact sheets of *region_value* (as typed, unchecked)."""
    return client.post(f"/results/rounds/{round_.id}/documents",
                       data={"document-kind": "factsheets", "document-lang": "es", "document-compare": "0",
                             "document-region": region_value})


@pytest.mark.parametrize("who", ["analyst", "cusco"])
def test_a_region_off_the_list_answers_400_with_the_form_and_a_message(app, client, this_year, who):
    login_as(client, make_staff("analyst") if who == "analyst" else coordinator("cusco"))
    before = db.session.scalar(select(db.func.count(Export.id)))
    # Puno (outside a Cusco coordinator's scope; the analyst may pick it), Tacna (invited to no survey
    # of this round), an id no region has, and something that is not an id at all
    values = [str(region("tacna").id), "999999", "lima-norte", ""]
    if who == "cusco":
        values.append(str(region("puno").id))
    for value in values:
        answer = post_documents(client, this_year, value)
        assert answer.status_code == 400, (value, answer.status_code)
        assert f'action="/results/rounds/{this_year.id}/documents"' in answer.text
        assert "Elija una región de la lista: solo puede pedir las fichas de sus regiones." in answer.text
        assert "Opción inválida" not in answer.text and "could not coerce" not in answer.text.lower()
    assert db.session.scalar(select(db.func.count(Export.id))) == before


def test_a_coordinator_without_regions_is_told_so_not_served_a_500(app, client, this_year):
    login_as(client, coordinator())
    answer = post_documents(client, this_year, "0")
    assert answer.status_code == 400
    assert "pida a un administrador que le asigne sus regiones" in answer.text
    assert db.session.scalar(select(db.func.count(Export.id))) == 0


def test_the_service_keeps_a_sheet_inside_its_regions_and_kinds_apart(app, this_year):
    with pytest.raises(export_service.ExportError, match="outside"):
        export_service.request(this_year, None, kind="factsheets", region_ids=[region("cusco").id],
                               sheet_region_id=region("puno").id)
    with pytest.raises(export_service.ExportError, match="unknown kind"):
        export_service.request(this_year, None, kind="poster")
    with pytest.raises(export_service.ExportError, match="only fact sheets"):
        export_service.request(this_year, None, kind="annex_docx", sheet_region_id=region("puno").id)
    this_year.status, this_year.closed_at = "closed", utcnow()
    db.session.commit()
    annex = export_service.request(this_year, None, kind="annex_docx")
    db.session.commit()
    export_service.run(annex.id, checkpoint=db.session.commit)
    assert export_service.reusable(this_year, kind="annex_docx").id == annex.id
    assert export_service.reusable(this_year, kind="workbook") is None
    assert export_service.reusable(this_year, kind="annex_pdf") is None
    assert [e.id for e in export_service.for_round(this_year.id, kinds=["workbook"])] == []


def test_the_sweep_queues_a_lost_document_again(app, this_year):
    from datetime import timedelta

    export = export_service.request(this_year, None, kind="factsheets")
    db.session.commit()
    assert export_service.requeue_stale(utcnow() + timedelta(minutes=3)) == [export.id]


@pytest.mark.slow
def test_the_annex_as_pdf_through_the_worker(app, client, this_year):
    login_as(client, make_staff("analyst"))
    export = ask(client, this_year, kind="annex_pdf", lang="en")
    download = built(client, export)
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    download.close()


def test_cli_annex_and_fact_sheets(runner, this_year, tmp_path):
    result = runner.invoke(args=["round", "annex", str(this_year.id), "-o", str(tmp_path / "anexo.docx")])
    assert result.exit_code == 0, result.output
    assert "4 responses" in result.output
    assert "Eje 1: Gobernanza" in docx_text(tmp_path / "anexo.docx")[0]
    puno = region("puno")
    result = runner.invoke(args=["round", "factsheets", str(this_year.id), "-o", str(tmp_path / "puno.pdf"),
                                 "--region", puno.ubigeo, "--lang", "en"])
    assert result.exit_code == 0, result.output
    (page,) = pdf_pages(tmp_path / "puno.pdf")
    assert "Puno" in page and "Response rate" in page
    result = runner.invoke(args=["round", "factsheets", str(this_year.id), "-o", str(tmp_path / "all.pdf")])
    assert result.exit_code == 0 and pdf_page_count(tmp_path / "all.pdf") == 3
    kinds = [e.details["kind"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.download").order_by(AuditEvent.id))]
    assert kinds == ["annex_docx", "factsheets", "factsheets"]
    bad = runner.invoke(args=["round", "annex", str(this_year.id), "-o", str(tmp_path / "anexo.odt")])
    assert bad.exit_code != 0 and "must end in .docx or .pdf" in bad.output
    bad = runner.invoke(args=["round", "factsheets", str(this_year.id), "-o", str(tmp_path / "x.pdf"),
                              "--region", "atlantis"])
    assert bad.exit_code != 0 and "does not exist" in bad.output
