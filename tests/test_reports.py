"""The writers' documents: a round answered in Cusco, Puno and Lima, and last year's round of the same
questionnaire (one question fewer), give an annex whose tables hold the hand-counted answers and
last year's figures next to this year's, and fact sheets that put each region's index next to the nation's.

2026 answers: Cusco two officials, Puno one, Lima one. 2025: Cusco one official (has_plan: no).
"""
from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from docx import Document

import questionnaires
from survey.models._types import utcnow
from survey.reports import annex
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)

THIS_YEAR = {
    "cusco": [{"has_plan": True, "plan_status": "approved", "actions": ["a", "b"], "staff": 7, "quality": 5,
               "grid": {"r1": "yes", "r2": "yes"}},
              {"has_plan": True, "plan_status": "draft", "actions": ["a"], "staff": 3, "quality": 4,
               "grid": {"r1": "yes", "r2": "no"}}],
    "puno": [{"has_plan": False, "plan_status": "none", "actions": ["c"], "staff": 1, "quality": 1,
              "grid": {"r1": "no", "r2": "no"}}],
    "lima": [{"has_plan": True, "plan_status": "approved", "actions": ["a", "b", "c"], "staff": 9, "quality": 3,
              "grid": {"r1": "yes", "r2": "no"}}],
}
LAST_YEAR = {"cusco": [{"has_plan": False, "plan_status": "none", "actions": [], "staff": 1, "quality": 2,
                        "grid": {"r1": "no", "r2": "no"}}]}
NAMES = {"cusco": "Cusco", "puno": "Puno", "lima": "Lima"}


def index(answer_sets: list[dict], axis: str, document: dict) -> float:
    """The mean per-response index on *axis*, by hand from the scoring rules."""
    questionnaire = questionnaires.load(document)
    values = [questionnaires.score(questionnaire, answers)[axis] for answers in answer_sets]
    return sum(values) / len(values)


def answered(round_, answers_by_region: dict[str, list[dict]]) -> None:
    for region, answer_sets in answers_by_region.items():
        for answers in answer_sets:
            invitation, _ = make_invitation(round_, region=region)
            make_response(invitation, answers)


@pytest.fixture
def rounds(app, db_session, tmp_path):
    """Last year's round (version 1) and this year's (version 2 adds ``new_count``), three regions."""
    app.config["SURVEY_EXPORT_DIR"] = str(tmp_path / "exports")
    old_version = publish_document(export_document())
    last = make_round(old_version, title="Informe 2025", status="closed",
                      opens_at=utcnow() - timedelta(days=400), closes_at=utcnow() - timedelta(days=350))
    answered(last, LAST_YEAR)
    this = make_round(publish_document(export_document(add_question=True)), title="Informe 2026")
    answered(this, THIS_YEAR)
    make_invitation(this, region="puno")  # invited, never answered: Puno's rate is 50 %
    return last, this


def docx_text(path) -> tuple[list[str], list[list[list[str]]]]:
    """(headings and paragraphs, tables as rows of cell texts) of a Word document."""
    doc = Document(str(path))
    return ([p.text for p in doc.paragraphs],
            [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables])


def test_the_annex_has_a_chapter_per_axis_a_table_per_question_and_last_years_figures(rounds, tmp_path):
    _last, this = rounds
    result = annex.build_docx(this.id, tmp_path / "anexo.docx", lang="es")
    paragraphs, tables = docx_text(result.path)
    assert "Eje 1: Gobernanza" in paragraphs and "Eje 2: Protección" in paragraphs
    assert any("versión(es) 2" in p for p in paragraphs)
    assert any("new_count" in p for p in paragraphs), "what changed since 2025 is listed"
    # has_plan: three of four said yes
    has_plan = next(t for t in tables if ["Sí", "true", "3", "75.0 %"] in t)
    assert ["No", "false", "1", "25.0 %"] in has_plan
    # Puno invited two, one answered
    assert ["Puno", "2", "1", "50.0 %"] in next(t for t in tables if t[0][0] == "Región" and t[0][1] == "Invitados")
    # Cusco's governance index, this year and last, and the change
    now = index(THIS_YEAR["cusco"], "gov", export_document(add_question=True))
    before = index(LAST_YEAR["cusco"], "gov", export_document())
    shown = lambda v: str(int(v)) if float(v).is_integer() else f"{v:.1f}"
    assert ["Cusco", "2", shown(now), shown(before), shown(now - before)] in tables[next(
        i for i, t in enumerate(tables) if t[0][:4] == ["Región", "Respuestas", "Índice (0-100)", "Informe 2025"])]
    # year over year on a shared key: has_plan 'Sí' went from 0 % to 75 %
    assert ["has_plan", "% Sí", "0.0 %", "75.0 %", "+75.0 p. p."] in [row for t in tables for row in t]
    assert not any(row[0] == "new_count" for t in tables if t[0][0] == "Clave" for row in t)
    # Free text is pointed to the workbook, not to a sheet this document does not have.
    assert any(p.startswith("Texto libre: no se resume aquí") for p in paragraphs)
    assert not any(p == "Texto libre: ver la hoja Respuestas" for p in paragraphs)


def test_a_coordinators_annex_holds_no_other_region(rounds, tmp_path):
    from survey.services.reference import match_region

    _, this = rounds
    result = annex.build_docx(this.id, tmp_path / "cusco.docx", lang="es", region_ids=[match_region("cusco").id])
    paragraphs, tables = docx_text(result.path)
    cells = " ".join(paragraphs) + " ".join(c for t in tables for row in t for c in row)
    assert "Cusco" in cells
    assert "Puno" not in cells and "Lima" not in cells
    # has_plan: both Cusco officials said yes
    assert ["Sí", "true", "2", "100.0 %"] in [row for t in tables for row in t]


@pytest.mark.slow
def test_the_annex_converts_to_pdf_with_libreoffice(rounds, tmp_path):
    _, this = rounds
    result = annex.build_pdf(this.id, tmp_path / "anexo.pdf", lang="en")
    pdf = subprocess.run(["pdftotext", str(result.path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Statistical annex" in pdf
    for name in NAMES.values():
        assert name in pdf
    gov = index([a for sets in THIS_YEAR.values() for a in sets], "gov", export_document(add_question=True))
    assert f"National index: {gov:.1f}" in pdf or f"National index: {int(gov)}" in pdf


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF (pdftotext)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def pdf_page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("lang,rate_label,national", [("es", "Tasa de respuesta", "Nacional"),
                                                       ("en", "Response rate", "National")])
def test_fact_sheets_put_each_regions_index_next_to_the_nations(rounds, tmp_path, lang, rate_label, national):
    from survey.reports import factsheets

    _, this = rounds
    result = factsheets.build(this.id, tmp_path / "fichas.pdf", lang=lang)
    assert pdf_page_count(result.path) == 3
    pages = pdf_pages(result.path)
    everyone = [answers for sets in THIS_YEAR.values() for answers in sets]
    nation = index(everyone, "gov", export_document(add_question=True))
    shown = lambda v: str(int(v)) if float(v).is_integer() else f"{v:.1f}"
    for page, region in zip(pages, ("cusco", "lima", "puno"), strict=True):
        assert NAMES[region] in page and rate_label in page and national in page
        mine = index(THIS_YEAR[region], "gov", export_document(add_question=True))
        line = next(row for row in page.splitlines() if row.strip().startswith("Gobernanza"))
        # axis, region, nation, difference, last year, trend
        assert line.split()[-5:-3] == [shown(mine), shown(nation)], line
    assert "50.0 %" in pages[2], "Puno: one of two invitations answered"


def test_a_fact_sheet_of_one_region(rounds, tmp_path):
    from survey.reports import factsheets
    from survey.services.reference import match_region

    _, this = rounds
    result = factsheets.build(this.id, tmp_path / "puno.pdf", region_ids=[match_region("puno").id])
    pages = pdf_pages(result.path)
    assert len(pages) == 1 and "Puno" in pages[0] and "Cusco" not in pages[0]
    assert "¿Tiene plan?" in pages[0], "Puno is behind on has_plan (0 against 75)"
