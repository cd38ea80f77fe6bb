"""The annex reports verification where there is some: staff verified three answers in Cusco, contested one
there and queried one in Puno, so the methodology counts them (nationally and per region, or within a
coordinator's regions) and each question's table says how many of its answers are verified. A round nobody
verified keeps the annex as it was.

The round of tests/test_reports.py: Cusco two responses, Puno one, Lima one; each answers the six questions
has_plan, plan_status, actions, staff, quality and grid, so 24 answers (Cusco 12, Puno 6, Lima 6).
"""
from __future__ import annotations

from sqlalchemy import select

from survey.extensions import db
from survey.models import Invitation, Response, Verification
from survey.reports import annex
from survey.services.reference import match_region
from tests.test_reports import docx_text, rounds  # noqa: F401

HEADER = ["Región", "Verificadas", "Observadas", "Consultadas", "Pendientes", "Total de respuestas"]


def responses_of(round_, region: str) -> list[Response]:
    return list(db.session.scalars(
        select(Response).join(Invitation).where(Response.round_id == round_.id,
                                                Invitation.region_id == match_region(region).id)
        .order_by(Response.id)))


def decide(response: Response, key: str, state: str) -> None:
    db.session.add(Verification(response_id=response.id, question_key=key, state=state, source="Oficio 12-2026"))


def verified_round(rounds):  # noqa: F811
    """This year's round with five decisions and one row still open (Lima's has_plan: counted as open)."""
    _, this = rounds
    first, second = responses_of(this, "cusco")
    decide(first, "has_plan", "verified")
    decide(first, "staff", "verified")
    decide(first, "quality", "contested")
    decide(second, "has_plan", "verified")
    decide(responses_of(this, "puno")[0], "has_plan", "queried")
    decide(responses_of(this, "lima")[0], "has_plan", "open")
    db.session.flush()
    return this


def verified_lines(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if p.startswith("Respuestas verificadas")]


def test_the_methodology_counts_verified_contested_queried_and_open_answers(rounds, tmp_path):  # noqa: F811
    this = verified_round(rounds)
    paragraphs, tables = docx_text(annex.build_docx(this.id, tmp_path / "anexo.docx").path)
    assert "Verificación de las respuestas" in paragraphs
    assert any("De las 24 respuestas a preguntas de todo el país, 3 están verificadas, 1 observadas, 1 en consulta "
               "con la institución y 19 siguen pendientes de revisión." in p for p in paragraphs), paragraphs
    table = next(t for t in tables if t[0] == HEADER)
    assert table[1:] == [["Cusco", "3", "1", "0", "8", "12"],
                         [match_region("lima").name("es"), "0", "0", "0", "6", "6"],
                         ["Puno", "0", "0", "1", "5", "6"],
                         ["Total", "3", "1", "1", "19", "24"]]
    # has_plan: two of four verified; staff: one; the other four answered questions none (the rest: no line)
    lines = verified_lines(paragraphs)
    assert "Respuestas verificadas: 2 de 4." in lines and "Respuestas verificadas: 1 de 4." in lines
    assert sorted(lines) == sorted(["Respuestas verificadas: 2 de 4.", "Respuestas verificadas: 1 de 4."]
                                   + ["Respuestas verificadas: 0 de 4."] * 4)
    has_plan = next(i for i, p in enumerate(paragraphs) if "¿Tiene plan?" in p)
    assert next(p for p in paragraphs[has_plan:] if p.startswith("Respuestas verificadas")) == (
        "Respuestas verificadas: 2 de 4.")


def test_a_coordinators_annex_counts_their_regions_only(rounds, tmp_path):  # noqa: F811
    this = verified_round(rounds)
    cusco = annex.build_docx(this.id, tmp_path / "cusco.docx", lang="en", region_ids=[match_region("cusco").id])
    paragraphs, tables = docx_text(cusco.path)
    assert any("Of the 12 answers to questions in the regions of this annex, 3 are verified, 1 contested, 0 queried "
               "with the institution and 8 still awaiting review." in p for p in paragraphs), paragraphs
    table = next(t for t in tables if t[0][1:] == ["Verified", "Contested", "Queried", "Open", "Total answers"])
    assert [row[1:] for row in table[1:]] == [["3", "1", "0", "8", "12"], ["3", "1", "0", "8", "12"]]
    assert "Cusco" in table[1][0] and len(table) == 3, "no Lima or Puno row"
    assert "Verified answers: 2 of 2." in verified_lines_en(paragraphs)


def verified_lines_en(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if p.startswith("Verified answers")]


def test_a_round_nobody_verified_keeps_the_annex_as_it_was(rounds, tmp_path):  # noqa: F811
    last, this = rounds
    decide(responses_of(this, "lima")[0], "has_plan", "open")  # an open row is no verification yet
    db.session.flush()
    for round_ in (last, this):
        paragraphs, tables = docx_text(annex.build_docx(round_.id, tmp_path / f"{round_.id}.docx").path)
        assert "Verificación de las respuestas" not in paragraphs
        assert verified_lines(paragraphs) == [] and not any(t[0] == HEADER for t in tables)
