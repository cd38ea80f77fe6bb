"""The workbook of a round staff verified: a verification column next to each answer and the Consultas sheet."""
from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import select

from survey.extensions import db
from survey.models import Query, Response
from survey.services import organisations
from survey.services.reference import match_region
from survey.verification import answering, decisions
from survey.workbook.builder import build
from tests.factories import make_invitation, make_response, make_staff
from tests.verification_support import two_years


def _verified_round():
    """Cusco answered 120 (queried, corrected to 12, verified) with a contested remark; Puno's count is queried."""
    round_, cusco, _token, _ = two_years()
    make_response(cusco, {"casos_reportados": 120, "casos_judicializados": 30, "comentario": "Año difícil"})
    puno_org = organisations.create("Fiscalía Provincial de Puno", "state_regional", regions=[match_region("puno")])
    puno, _ = make_invitation(round_, region="puno", organisation=puno_org, name="Funcionario de Puno")
    make_response(puno, {"casos_reportados": 40, "casos_judicializados": 2})
    editor = make_staff("editor")
    editor.name = "Rosa Quispe"
    db.session.flush()
    cusco_response = db.session.scalar(select(Response).where(Response.invitation_id == cusco.id))
    puno_response = db.session.scalar(select(Response).where(Response.invitation_id == puno.id))
    query = decisions.ask(cusco_response, "casos_reportados", '=HYPERLINK("http://evil.example","¿120?")',
                          user=editor)
    answering.reply(cusco, query, {"casos_reportados": ["12"]}, "Error de digitación: eran 12.")
    decisions.decide(cusco_response, "casos_reportados", "verified", user=editor, text="Reporte SIDPOL 2026")
    decisions.decide(cusco_response, "comentario", "contested", user=editor, text="+ no coincide con el acta")
    decisions.ask(puno_response, "casos_reportados", "Confirme los 40 casos, por favor.", user=editor)
    db.session.commit()
    return round_, cusco_response, puno_response


def test_the_responses_sheet_has_a_verification_column_next_to_each_answer(app, db_session, tmp_path):
    round_, cusco, puno = _verified_round()
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    assert "Consultas" in wb.sheetnames
    ws = wb["Respuestas"]
    header = [c.value for c in ws[1]]
    assert header[6:] == ["casos_reportados", "casos_reportados (verificación)", "casos_judicializados",
                          "casos_judicializados (verificación)", "comentario", "comentario (verificación)"]
    rows = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    # The corrected value (the new revision) next to its state and source.
    assert rows[cusco.id]["casos_reportados"] == 12
    assert rows[cusco.id]["casos_reportados (verificación)"] == "Verificada: Reporte SIDPOL 2026"
    assert rows[cusco.id]["comentario (verificación)"] == "Cuestionada: + no coincide con el acta"
    assert rows[cusco.id]["casos_judicializados (verificación)"] == "Abierta"
    assert rows[puno.id]["casos_reportados (verificación)"] == "Consultada: Confirme los 40 casos, por favor."
    codes = wb["Respuestas (códigos)"]
    coded = {row[0]: dict(zip(header, row)) for row in codes.iter_rows(min_row=2, values_only=True)}
    assert coded[cusco.id]["casos_reportados (verificación)"] == "verified"
    assert coded[puno.id]["casos_reportados (verificación)"] == "queried"


def test_the_consultas_sheet_lists_every_thread_without_formulas(app, db_session, tmp_path):
    round_, cusco, puno = _verified_round()
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    ws = wb["Consultas"]
    header = [c.value for c in ws[1]]
    assert header == ["Consulta", "ID respuesta", "Clave", "Pregunta", "Organización", "Región",
                      "Estado de la consulta", "Abierta el", "Respondida el", "De", "Nombre", "Fecha", "Mensaje",
                      "Valor anterior", "Valor corregido"]
    rows = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["ID respuesta"], r["De"], r["Estado de la consulta"]) for r in rows] == [
        (cusco.id, "Equipo", "Respondida"), (cusco.id, "Institución", "Respondida"), (puno.id, "Equipo", "Abierta")]
    staff, official, other = rows
    assert staff["Pregunta"] == "Casos reportados" and staff["Organización"] == "Fiscalía Provincial de Cusco"
    assert staff["Región"] == "Cusco" and staff["Nombre"] == "Rosa Quispe"
    assert official["Nombre"] == "Funcionaria 2026" and official["Mensaje"] == "Error de digitación: eran 12."
    assert (official["Valor anterior"], official["Valor corregido"]) == (120, 12)
    assert official["Respondida el"] is not None and other["Respondida el"] is None
    # Staff's text that looks like a formula is written as text, never evaluated.
    cell = ws.cell(row=2, column=header.index("Mensaje") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_regional_workbook_lists_only_its_regions_queries(app, db_session, tmp_path):
    round_, cusco, _puno = _verified_round()
    wb = load_workbook(build(round_.id, tmp_path / "cusco.xlsx", region_ids=[match_region("cusco").id]).path)
    ids = [row[1] for row in wb["Consultas"].iter_rows(min_row=2, values_only=True)]
    assert ids == [cusco.id, cusco.id]
    english = load_workbook(build(round_.id, tmp_path / "en.xlsx", lang="en").path)
    assert "Queries" in english.sheetnames
    assert "casos_reportados (verification)" in [c.value for c in english["Responses"][1]]


def test_a_round_nobody_verified_keeps_its_sheets(app, db_session, tmp_path):
    round_, cusco, _token, _ = two_years()
    make_response(cusco, {"casos_reportados": 3})
    db.session.commit()
    wb = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)
    assert "Consultas" not in wb.sheetnames
    assert [c.value for c in wb["Respuestas"][1]][6:] == ["casos_reportados", "casos_judicializados", "comentario"]
    assert db.session.scalar(select(Query)) is None
