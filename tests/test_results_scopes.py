"""Who sees what in the results: a coordinator for Cusco sees only Cusco in every page, chart and workbook;
an observer sees the indices of the rounds shared with it and nothing personal.

Cusco and Puno answer differently: Puno's official reports a staff of 4817 and a budget of 987654,
numbers only Puno could produce, and works at the one institution invited only in Puno.
"""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask import g
from openpyxl import load_workbook
from sqlalchemy import select

import questionnaires
from survey.extensions import db
from survey.models import Export
from survey.models._types import utcnow
from survey.services import exports as export_service
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_staff,
    publish_document,
)
from tests.test_scopes import coordinator, region
from workers.exports import build_export

CUSCO = [
    ("pnp", {"has_plan": True, "plan_status": "approved", "actions": ["a", "b"], "staff": 7, "budget": 1200,
             "quality": 5, "grid": {"r1": "yes", "r2": "no"}, "org_name": "Oficina Cusco Centro"}),
    ("mininter", {"has_plan": False, "plan_status": "draft", "actions": ["a"], "staff": 2, "budget": 800,
                  "quality": 3, "grid": {"r1": "no", "r2": "no"}}),
    ("pnp", {"has_plan": True, "plan_status": "approved", "actions": ["b"], "staff": 5, "budget": 1000,
             "quality": 4, "grid": {"r1": "yes", "r2": "yes"}}),
]
PUNO = {"has_plan": False, "plan_status": "none", "actions": ["c"], "staff": 4817, "budget": 987654, "quality": 1,
        "grid": {"r1": "no", "r2": "yes"}, "org_name": "Oficina Reservada del Altiplano",
        "notes": "Texto privado escrito en Puno"}
#: what only Puno's invitation, institution or answers could put on a page or in a workbook
PUNO_ONLY = ("Puno", "PUNO", "Ministerio de la Mujer", "luis.quispe@puno.gob.pe", "Luis Quispe", "4817", "987654",
             "Texto privado", "Oficina Reservada")
QUESTIONNAIRE = questionnaires.load(export_document())


def sign_in(client, user) -> None:
    """Log *user* in for the next requests.

    The test's application context outlives its requests, so Flask-Login's user and the scope
    cached in ``g`` by the previous requests are forgotten too (each real request starts afresh)."""
    login_as(client, user)
    db.session.commit()
    g.pop("_login_user", None)
    g.pop("survey_scope", None)


def fetch(client, url: str) -> bytes:
    """The body of a download, its file closed."""
    response = client.get(url)
    assert response.status_code == 200, url
    data = response.data
    response.close()
    return data


def mean_index(answer_sets: list[dict], axis: str) -> float:
    """The mean of the per-response indices on *axis*, by hand from the scoring rules."""
    values = [questionnaires.score(QUESTIONNAIRE, answers)[axis] for answers in answer_sets]
    return sum(values) / len(values)


def shown(value: float) -> str:
    """A number as the results page prints it."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@pytest.fixture
def two_regions(app, db_session, tmp_path):
    """A round answered by three officials in Cusco and one in Puno (plus a Puno invitation not answered)."""
    app.config["SURVEY_EXPORT_DIR"] = str(tmp_path / "exports")
    round_ = make_round(publish_document(export_document()), title="Informe 2026")
    for number, (institution, answers) in enumerate(CUSCO, 1):
        invitation, _ = make_invitation(round_, institution=institution, region="cusco",
                                        email=f"ana{number}@cusco.gob.pe", name=f"Ana Cusco {number}")
        make_response(invitation, answers)
    puno, _ = make_invitation(round_, institution="mimp", region="puno", email="luis.quispe@puno.gob.pe",
                              name="Luis Quispe")
    make_response(puno, PUNO)
    make_invitation(round_, institution="mimp", region="puno", email="rosa@puno.gob.pe", name="Rosa Mamani")
    return round_


def workbook_cells(data: bytes) -> list[tuple[str, object]]:
    """(sheet, value) of every non-empty cell of every sheet."""
    wb = load_workbook(BytesIO(data))
    return [(ws.title, cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.value is not None]


def test_a_cusco_coordinator_sees_cusco_figures_only_on_the_results_page(client, two_regions):
    round_ = two_regions
    login_as(client, coordinator("cusco"))
    db.session.commit()
    page = client.get(f"/results/rounds/{round_.id}")
    assert page.status_code == 200
    html = page.text
    for text in PUNO_ONLY:
        assert text not in html, text
    # Overall figures are Cusco's combined, recomputed from Cusco's responses: not the national ones.
    assert "Respuestas enviadas: 3 de 3 personas invitadas." in html
    cusco_gov = mean_index([answers for _, answers in CUSCO], "gov")
    national_gov = mean_index([answers for _, answers in CUSCO] + [PUNO], "gov")
    assert shown(cusco_gov) != shown(national_gov)
    assert f"Gobernanza: {shown(cusco_gov)}" in html and f"Gobernanza: {shown(national_gov)}" not in html
    assert "Índice por eje en Cusco (0-100)" in html and "Índice nacional" not in html
    assert "Resultados de sus regiones: Cusco." in html
    # Heat map: Cusco's institutions and Cusco alone.
    heat = html.split('id="heatmap"')[1].split('id="participation"')[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', heat) == [
        "Ministerio del Interior (Dirección General de Seguridad Democrática)",
        "Policía Nacional del Perú (DIRCTPTIM / DEPINTRAP)",
        "Cusco"]
    # Per-question charts count Cusco's answers only: option c (only Puno chose it) has none.
    assert "Opción c: 0 (0.0 %)" in html and "Opción a: 2 (66.7 %)" in html
    assert "Cusco: 100.0 %" in html  # the response rate chart has Cusco alone
    assert "máximo 7" in html and "Máximo: 7" in html


def test_an_analyst_still_sees_the_national_page(client, two_regions):
    login_as(client, make_staff("analyst"))
    db.session.commit()
    html = client.get(f"/results/rounds/{two_regions.id}").text
    national_gov = mean_index([answers for _, answers in CUSCO] + [PUNO], "gov")
    assert f"Gobernanza: {shown(national_gov)}" in html and "Índice nacional por eje (0-100)" in html
    assert "Puno" in html and "4817" in html and "Opción c: 1 (25.0 %)" in html


def test_a_cusco_coordinators_workbook_holds_nothing_from_puno(app, client, two_regions):
    round_ = two_regions
    user = coordinator("cusco")
    login_as(client, user)
    db.session.commit()
    answer = client.post(f"/results/rounds/{round_.id}/exports", data={"lang": "es", "compare": "0"})
    assert answer.status_code == 303
    export = db.session.scalars(select(Export)).one()
    assert export.region_ids == [region("cusco").id] and export.requested_by_id == user.id
    build_export.run(export.id)
    db.session.refresh(export)
    assert (export.status, export.rows_done) == ("ready", 3)
    data = fetch(client, f"/results/exports/{export.id}/download")
    cells = workbook_cells(data)
    for sheet, value in cells:
        for text in PUNO_ONLY:
            assert text not in str(value), (sheet, value)
    sheets = {sheet for sheet, _ in cells}
    assert {"Resumen", "Matriz", "Respuestas", "Invitaciones", "Eje 1", "Eje 2"} <= sheets
    wb = load_workbook(BytesIO(data))
    summary = [[cell.value for cell in row] for row in wb["Resumen"].iter_rows()]
    assert summary[0][:2] == ["Regiones de este libro", "Cusco"]
    assert ["Total", 3, 3, 1] in [row[:4] for row in summary]
    gov = next(row for row in summary if row[0] == "Gobernanza")
    assert gov[1] == pytest.approx(mean_index([answers for _, answers in CUSCO], "gov")) and gov[2] == 3
    assert wb["Respuestas"].max_row == 1 + 3 and wb["Invitaciones"].max_row == 1 + 3


def test_a_coordinator_never_sees_a_national_or_another_regions_export(app, client, two_regions):
    round_ = two_regions
    national = export_service.request(round_, make_staff("analyst"))
    puno = export_service.request(round_, coordinator("puno"), region_ids=[region("puno").id])
    cusco = export_service.request(round_, coordinator("cusco"), region_ids=[region("cusco").id])
    for export in (national, puno, cusco):
        build_export.run(export.id)
    login_as(client, coordinator("cusco"))
    db.session.commit()
    for other in (national, puno):
        for suffix in ("", "/status", "/download"):
            assert client.get(f"/results/exports/{other.id}{suffix}").status_code == 404
        assert client.get(f"/results/exports/999999{suffix}").status_code == 404
    fetch(client, f"/results/exports/{cusco.id}/download")
    listing = client.get(f"/results/rounds/{round_.id}/exports").text
    assert f"/results/exports/{cusco.id}/download" in listing
    assert f"/results/exports/{puno.id}/" not in listing and f"/results/exports/{national.id}/" not in listing
    assert "El libro tendrá solo las invitaciones y respuestas de sus regiones: Cusco." in listing
    # National staff see every workbook, each saying what it covers.
    sign_in(client, make_staff("analyst"))
    every = client.get(f"/results/rounds/{round_.id}/exports").text
    assert all(f"/results/exports/{item.id}/download" in every for item in (national, puno, cusco))
    assert every.count("<td>Todas las regiones</td>") == 1 and "<td>Puno</td>" in every and "<td>Cusco</td>" in every
    # A coordinator of both regions may open either regional workbook, never the national one.
    sign_in(client, coordinator("cusco", "puno"))
    assert client.get(f"/results/exports/{puno.id}").status_code == 200
    assert client.get(f"/results/exports/{national.id}").status_code == 404


def test_an_observer_reads_the_indices_of_a_shared_round_and_nothing_personal(client, two_regions):
    round_ = two_regions
    other = make_round(publish_document(export_document()), title="Ronda reservada")
    observer = make_staff("observer")
    observer.shared_rounds = [round_]
    login_as(client, observer)
    db.session.commit()
    page = client.get(f"/results/rounds/{round_.id}")
    assert page.status_code == 200
    html = page.text
    national_gov = mean_index([answers for _, answers in CUSCO] + [PUNO], "gov")
    assert f"Gobernanza: {shown(national_gov)}" in html
    for personal in ("@", "Ana Cusco", "Luis Quispe", "Rosa Mamani", "Texto privado", "Oficina Reservada",
                     "Oficina Cusco Centro", "Libro Excel"):
        assert personal not in html, personal
    # Cusco has three responses and keeps its heat-map row; Puno's one response and every institution's
    # one or two are left out: their index would be a person's.
    heat = html.split('id="heatmap"')[1].split('id="participation"')[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', heat) == ["Cusco"]
    assert "No se muestran 4 instituciones o regiones con menos de 3 respuestas." in heat
    assert "Por institución" not in html
    assert client.get(f"/results/rounds/{other.id}").status_code == 404
    assert client.get("/results/rounds/999999").status_code == 404
    assert client.get(f"/results/rounds/{round_.id}/exports").status_code == 403
    start = client.get("/results/").text
    assert f"/results/rounds/{round_.id}" in start and "Ronda reservada" not in start
    assert 'href="/results/">Resultados</a>' in start  # the observer's menu link


def test_an_observer_sees_no_figure_of_a_round_with_too_few_responses(client, db_session):
    round_ = make_round(publish_document(export_document()))
    invitation, _ = make_invitation(round_, region="cusco")
    make_response(invitation, PUNO)
    observer = make_staff("observer")
    observer.shared_rounds = [round_]
    login_as(client, observer)
    db.session.commit()
    html = client.get(f"/results/rounds/{round_.id}").text
    assert "menos de 3 respuestas enviadas" in html
    assert "4817" not in html and "<svg" not in html


def test_an_observer_sees_values_no_option_describes_counted_together(client, two_regions):
    round_ = two_regions
    invitation, _ = make_invitation(round_, region="cusco")
    make_response(invitation, {"plan_status": "Lo aprobó el alcalde Juan Pérez"})
    observer = make_staff("observer")
    observer.shared_rounds = [round_]
    login_as(client, observer)
    db.session.commit()
    html = client.get(f"/results/rounds/{round_.id}").text
    assert "Juan Pérez" not in html and "Otras respuestas: 1 (20.0 %)" in html
    sign_in(client, make_staff("analyst"))
    assert "Juan Pérez" in client.get(f"/results/rounds/{round_.id}").text


def test_a_closed_rounds_national_workbook_is_never_reused_for_a_coordinator(app, client, two_regions):
    round_ = two_regions
    round_.status, round_.closed_at = "closed", utcnow()
    national = export_service.request(round_, make_staff("analyst"))
    build_export.run(national.id)
    sign_in(client, coordinator("cusco"))
    url = f"/results/rounds/{round_.id}/exports"
    first = client.post(url, data={"lang": "es", "compare": "0"})
    assert first.headers["Location"] != f"/results/exports/{national.id}"
    regional = db.session.get(Export, int(first.headers["Location"].rsplit("/", 1)[1]))
    assert regional.region_ids == [region("cusco").id]
    build_export.run(regional.id)
    # The coordinator's own final workbook is reused, as a national one is for national staff.
    assert client.post(url, data={"lang": "es", "compare": "0"}).headers["Location"] == first.headers["Location"]


def test_a_coordinator_is_told_every_region_the_page_covers_even_one_nobody_was_invited_from(client, two_regions):
    sign_in(client, coordinator("cusco", "tacna"))
    html = client.get(f"/results/rounds/{two_regions.id}").text
    assert "Resultados de sus regiones: Cusco, Tacna." in html and "Puno" not in html
