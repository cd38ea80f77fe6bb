"""The workbook of a round staff verified: a verification column next to each answer and the Consultas sheet."""
from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import select

from survey import scopes
from survey.extensions import db
from survey.models import Query, Response
from survey.results.page import build_page
from survey.services import organisations
from survey.services.reference import match_region
from survey.verification import answering, decisions
from survey.workbook import figures
from survey.workbook.builder import build
from survey.workbook.questions import for_round
from tests.factories import login_as, make_invitation, make_response, make_staff
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
    assert header[7:] == ["casos_reportados", "casos_reportados (verificación)", "casos_judicializados",
                          "casos_judicializados (verificación)", "comentario", "comentario (verificación)"]
    rows = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    # The corrected value (the new revision) next to its state and source.
    assert rows[cusco.id]["casos_reportados"] == 12
    assert rows[cusco.id]["casos_reportados (verificación)"] == "Verificada: Reporte SIDPOL 2026"
    # The words of the staff pages: «Observada», «Pendiente».
    assert rows[cusco.id]["comentario (verificación)"] == "Observada: + no coincide con el acta"
    assert rows[cusco.id]["casos_judicializados (verificación)"] == "Pendiente"
    assert rows[puno.id]["casos_reportados (verificación)"] == "Consultada: Confirme los 40 casos, por favor."
    # Who answered, by name: two prosecutors' offices are told apart by their organisation, not by region.
    assert (rows[cusco.id]["Organización"], rows[puno.id]["Organización"]) == (
        "Fiscalía Provincial de Cusco", "Fiscalía Provincial de Puno")
    invited = [dict(zip([c.value for c in wb["Invitaciones"][1]], row))
               for row in wb["Invitaciones"].iter_rows(min_row=2, values_only=True)]
    assert {row["Organización"] for row in invited} == {"Fiscalía Provincial de Cusco", "Fiscalía Provincial de Puno"}
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
    assert [c.value for c in wb["Respuestas"][1]][7:] == ["casos_reportados", "casos_judicializados", "comentario"]
    assert db.session.scalar(select(Query)) is None


def _with_a_fully_verified_response(round_):
    """A third organisation (Cusco) reports 7 cases, 1 brought to court; staff verify both answers."""
    other = organisations.create("Defensoría del Pueblo Cusco", "state_regional", regions=[match_region("cusco")])
    invitation, _ = make_invitation(round_, region="cusco", organisation=other, name="Defensora")
    make_response(invitation, {"casos_reportados": 7, "casos_judicializados": 1})
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    editor = make_staff("analyst")
    for key, source in (("casos_reportados", "Acta 12"), ("casos_judicializados", "Oficio 3")):
        decisions.decide(response, key, "verified", user=editor, text=source)
    db.session.commit()


def test_restricted_to_verified_answers_the_figures_count_only_those(app, db_session):
    round_, _cusco, _puno = _verified_round()
    _with_a_fully_verified_response(round_)
    questions = for_round(round_)
    every = figures.question_stats(round_.id, questions)
    verified = figures.question_stats(round_.id, questions, is_verified_only=True)
    # Every answer: 12 (Cusco, corrected), 40 (Puno, queried), 7 (Defensoría).
    assert every["casos_reportados"].answered == 3 and every["casos_reportados"].numbers[""].mean == 59 / 3
    # Verified only: 12 and 7.
    numbers = verified["casos_reportados"].numbers[""]
    assert verified["casos_reportados"].answered == 2
    assert (numbers.count, numbers.mean, numbers.median, numbers.minimum, numbers.maximum) == (2, 9.5, 9.5, 7, 12)
    # Cases brought to court: only the Defensoría's 1 is verified; the contested remark counts nowhere.
    assert verified["casos_judicializados"].numbers[""].mean == 1
    assert verified["comentario"].answered == 0 and every["comentario"].answered == 1
    # An index mixes every answer of a response: only the fully verified response counts.
    assert figures.axis_indices(round_.id).national.responses == 3
    assert figures.axis_indices(round_.id, is_verified_only=True).national.responses == 1
    # A coordinator's scope and the restriction combine: Cusco's verified answers are 12 and 7.
    cusco = scopes.invitations_in_scope(scopes.Scope(frozenset({match_region("cusco").id}), None, sees_people=True))
    scoped = figures.question_stats(round_.id, questions, where=cusco, is_verified_only=True)
    assert scoped["casos_reportados"].numbers[""].mean == 9.5


def _stats(page, key):
    return next(view.stats for axis in page.axes for view in axis.questions if view.entry.key == key)


def test_the_results_page_and_the_workbook_can_be_restricted_to_verified_answers(app, client, tmp_path):
    round_, _cusco, _puno = _verified_round()
    _with_a_fully_verified_response(round_)
    assert _stats(build_page(round_, "es"), "casos_reportados").numbers[""].mean == 59 / 3
    page = build_page(round_, "es", is_verified_only=True)
    assert page.is_verified_only and _stats(page, "casos_reportados").numbers[""].mean == 9.5
    login_as(client, make_staff("analyst"))
    db.session.commit()
    shown = client.get(f"/results/rounds/{round_.id}").get_data(as_text=True)
    assert "Ver solo respuestas verificadas" in shown
    shown = client.get(f"/results/rounds/{round_.id}?verified=1").get_data(as_text=True)
    assert "Cifras calculadas solo con las respuestas verificadas" in shown and "Ver todas las respuestas" in shown
    wb = load_workbook(build(round_.id, tmp_path / "v.xlsx", is_verified_only=True).path)
    summary = [row[0] for row in wb["Resumen"].iter_rows(values_only=True)]
    assert "Cifras calculadas solo con respuestas verificadas" in summary
    profile = [row for row in wb["Perfil"].iter_rows(values_only=True) if 9.5 in row]
    assert profile, "the mean of the verified counts (12 and 7) is on the profile sheet"
    plain = load_workbook(build(round_.id, tmp_path / "all.xlsx").path)
    assert "Cifras calculadas solo con respuestas verificadas" not in [r[0] for r in plain["Resumen"].iter_rows(values_only=True)]


def test_the_shell_export_can_be_restricted_to_verified_answers(app, runner, tmp_path):
    round_, _cusco, _puno = _verified_round()
    _with_a_fully_verified_response(round_)
    target = tmp_path / "verificadas.xlsx"
    result = runner.invoke(args=["round", "export", str(round_.id), "-o", str(target), "--verified-only"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(target)
    assert "Cifras calculadas solo con respuestas verificadas" in [r[0] for r in wb["Resumen"].iter_rows(values_only=True)]
    assert [row for row in wb["Perfil"].iter_rows(values_only=True) if 9.5 in row]
    # The answers sheet still lists all three responses, each answer next to its state.
    assert ": 3 responses," in result.output


def test_an_answered_query_leaves_the_answer_pending_without_the_query_s_text(app, db_session, tmp_path):
    round_, cusco, _token, _ = two_years()
    make_response(cusco, {"casos_reportados": 120})
    response = db.session.scalar(select(Response).where(Response.invitation_id == cusco.id))
    query = decisions.ask(response, "casos_reportados", "¿Los 120 casos son del periodo?", user=make_staff("editor"))
    answering.reply(cusco, query, {"casos_reportados": ["120"]}, "Sí, del periodo.")
    db.session.commit()
    ws = load_workbook(build(round_.id, tmp_path / "libro.xlsx").path)["Respuestas"]
    header = [c.value for c in ws[1]]
    [row] = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)]
    assert row["casos_reportados (verificación)"] == "Pendiente"
