"""The consolidated workbook, read back with openpyxl: every sheet, its values and their types."""
from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean, median

import pytest
from openpyxl import load_workbook

import questionnaires
from survey.workbook.builder import build
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)

SUBMITTED = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)  # 10:30 in Lima

ANSWERS = [
    # MININTER, Cusco
    {"org_name": "Oficina Cusco", "has_plan": True, "plan_status": "approved", "actions": ["a", "b"],
     "budget": 1500.5, "staff": 7, "plan_date": "2024-03-01", "grid": {"r1": "yes", "r2": "no"},
     "victims": {"f": {"adult": 3, "minor": 1}, "m": {"adult": 0, "minor": 2}}, "quality": 4, "notes": "Bien"},
    # MININTER, Puno
    {"org_name": "Oficina Puno", "has_plan": False, "plan_status": "none", "actions": ["c"], "budget": 0,
     "staff": 2, "grid": {"r1": "no", "r2": "no"}, "quality": 2},
    # PNP, Cusco
    {"org_name": "Comisaría", "has_plan": True, "plan_status": "draft", "actions": [], "budget": 99.25,
     "staff": 5, "plan_date": "2025-01-31", "quality": 5},
]
PLACES = [("mininter", "cusco"), ("mininter", "puno"), ("pnp", "cusco")]


@pytest.fixture
def story(db_session):
    """A round with three submitted responses, one official still answering and one revoked."""
    version = publish_document(export_document())
    round_ = make_round(version, title="Informe 2026")
    invitations = []
    for (institution, region), answers in zip(PLACES, ANSWERS):
        invitation, _ = make_invitation(round_, institution=institution, region=region)
        make_response(invitation, answers, submitted_at=SUBMITTED)
        invitations.append(invitation)
    pending, _ = make_invitation(round_, institution="mimp", region="loreto", name="=cmd|' /C calc'!A0")
    make_response(pending, {"org_name": "a medias"}, submitted=False)
    make_invitation(round_, institution="mimp", region="loreto", status="revoked", revoked_at=SUBMITTED)
    return round_, version, invitations


def built(tmp_path, round_, **options):
    path = tmp_path / "export.xlsx"
    calls = []
    result = build(round_.id, path, progress=lambda done, total: calls.append((done, total)), **options)
    return load_workbook(path), result, calls


def rows_of(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def find_row(ws, first_value, start: int = 1):
    for row in ws.iter_rows(min_row=start):
        if row[0].value == first_value:
            return row
    raise AssertionError(f"no row starting with {first_value!r} in {ws.title}")


def test_the_workbook_has_every_sheet_in_reading_order(story, tmp_path):
    round_, _, _ = story
    wb, result, calls = built(tmp_path, round_)
    assert wb.sheetnames == ["Resumen", "Gráfico", "Eje 1", "Eje 2", "Perfil", "Matriz", "Respuestas",
                             "Respuestas (códigos)", "Diccionario", "Invitaciones"]
    assert result.rows == 3
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)


def test_summary_counts_participation_and_charts_the_national_index(story, tmp_path):
    round_, _, _ = story
    wb, _, _ = built(tmp_path, round_)
    ws = wb["Resumen"]
    assert find_row(ws, "Ronda")[1].value == "Informe 2026"
    assert find_row(ws, "Versión(es)")[1].value == "1"
    opens = find_row(ws, "Apertura")[1]
    assert opens.is_date and isinstance(opens.value, datetime)
    total = find_row(ws, "Total")
    # Four live invitations (the revoked one is not counted), three submitted.
    assert [c.value for c in total[:3]] == ["Total", 4, 3]
    assert total[3].value == pytest.approx(0.75) and total[3].number_format == "0.0%"
    cusco = find_row(ws, "Cusco")
    assert [c.value for c in cusco[:3]] == ["Cusco", 2, 2]
    loreto = find_row(ws, "Loreto")
    assert [c.value for c in loreto[:3]] == ["Loreto", 1, 0] and loreto[3].value == 0
    q = questionnaires.load(export_document())
    scores = [questionnaires.score(q, answers) for answers in ANSWERS]
    for axis, name in (("gov", "Gobernanza"), ("prot", "Protección")):
        values = [s[axis] for s in scores if s[axis] is not None]
        row = find_row(ws, name)
        assert row[1].value == pytest.approx(mean(values))
        assert row[1].data_type == "n" and row[2].value == len(values)
    assert not ws._charts  # the chart prints on a page of its own
    (chart,) = wb["Gráfico"]._charts
    assert chart.tagname == "barChart"


def test_axis_sheets_count_options_and_summarise_numbers(story, tmp_path):
    round_, _, _ = story
    wb, _, _ = built(tmp_path, round_)
    ws = wb["Eje 1"]
    values = rows_of(ws)
    start = values.index(["has_plan — ¿Tiene plan?", None, None, None, None])
    assert values[start + 1][:2] == ["Respuestas", 3]
    assert values[start + 3][:4] == ["Sí", "true", 2, pytest.approx(2 / 3)]
    assert values[start + 4][:4] == ["No", "false", 1, pytest.approx(1 / 3)]
    actions = values.index(["actions — Acciones", None, None, None, None])
    assert values[actions + 1][:2] == ["Respuestas", 2]  # an empty selection stores no row
    assert [r[:3] for r in values[actions + 3:actions + 6]] == [
        ["Opción a", "a", 1], ["Opción b", "b", 1], ["Opción c", "c", 1]]
    budget = values.index(["budget — Presupuesto", None, None, None, None])
    numbers = [1500.5, 0, 99.25]
    assert values[budget + 3] == [3, pytest.approx(mean(numbers)), pytest.approx(median(numbers)), 0, 1500.5]
    plan_date = values.index(["plan_date — Fecha del plan", None, None, None, None])
    assert values[plan_date + 1][:2] == ["Respuestas", 2]
    assert values[plan_date + 3][:2] == [datetime(2024, 3, 1), datetime(2025, 1, 31)]
    # The axis index per institution: MININTER's two responses averaged, PNP alone, MIMP empty.
    q = questionnaires.load(export_document())
    gov = [questionnaires.score(q, answers)["gov"] for answers in ANSWERS]
    by_institution = values.index(["Índice del eje por institución", None, None, None, None])
    table = {row[0]: row[1:3] for row in values[by_institution + 2:by_institution + 5]}
    mininter = next(k for k in table if k.startswith("Ministerio del Interior"))
    assert table[mininter] == [2, pytest.approx((gov[0] + gov[1]) / 2)]
    mimp = next(k for k in table if k.startswith("Ministerio de la Mujer"))
    assert table[mimp] == [0, None]

    prot = rows_of(wb["Eje 2"])
    grid = prot.index(["grid — Coordinación", None, None, None, None, None, None])
    assert prot[grid + 2][:3] == ["Fila", "Opción yes", "Opción no"]
    assert prot[grid + 3][:3] == ["Opción r1", 1, 1] and prot[grid + 4][:3] == ["Opción r2", 0, 2]
    victims = prot.index(["victims — Víctimas", None, None, None, None, None, None])
    assert prot[victims + 3][:7] == ["Opción f", "Opción adult", 1, 3, 3, 3, 3]
    quality = prot.index(["quality — Calidad", None, None, None, None, None, None])
    assert prot[quality + 1][:2] == ["Respuestas", 3]
    stats_row = next(r for r in prot[quality:] if r[0] == 3)
    assert stats_row[1:5] == [pytest.approx(11 / 3), 4, 2, 5]


def test_matrix_sheet_leaves_groups_without_responses_empty(story, tmp_path):
    round_, _, _ = story
    wb, _, _ = built(tmp_path, round_)
    ws = wb["Matriz"]
    values = rows_of(ws)
    assert values[0] == ["Institución", "Respuestas", "Gobernanza", "Protección"]
    q = questionnaires.load(export_document())
    scores = [questionnaires.score(q, answers) for answers in ANSWERS]
    pnp = next(r for r in values if r[0] and r[0].startswith("Policía Nacional"))
    assert pnp[1:] == [1, pytest.approx(scores[2]["gov"]), pytest.approx(scores[2]["prot"])]
    mimp = next(r for r in values if r[0] and r[0].startswith("Ministerio de la Mujer"))
    assert mimp[1:] == [0, None, None]
    puno = next(r for r in values if r[0] == "Puno")
    assert puno[1:] == [1, pytest.approx(scores[1]["gov"]), pytest.approx(scores[1]["prot"])]
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) == 2 and all(rule.type == "colorScale" for rule in rules)


def test_responses_sheet_expands_choices_and_grids_with_real_types(story, tmp_path):
    round_, _, invitations = story
    wb, _, _ = built(tmp_path, round_)
    ws = wb["Respuestas"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["ID respuesta", "Versión", "Institución", "Organización", "Región", "Sector", "Enviado"]
    assert header[7:] == [
        "org_name", "has_plan", "plan_status", "actions__a", "actions__b", "actions__c", "budget", "staff",
        "plan_date", "grid__r1", "grid__r2", "victims__f__adult", "victims__f__minor", "victims__m__adult",
        "victims__m__minor", "quality", "notes"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:X4"
    rows = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 3
    first, second, third = rows
    assert first["ID respuesta"] == invitations[0].response.id and first["Versión"] == 1
    assert first["Región"] == "Cusco" and first["Institución"].startswith("Ministerio del Interior")
    assert first["Enviado"] == datetime(2026, 5, 4, 10, 30)
    assert first["has_plan"] == "Sí" and first["plan_status"] == "Opción approved"
    assert [first[f"actions__{o}"] for o in "abc"] == [1, 1, 0]
    assert [third[f"actions__{o}"] for o in "abc"] == [0, 0, 0]
    assert first["budget"] == 1500.5 and first["staff"] == 7 and first["plan_date"] == datetime(2024, 3, 1)
    assert first["grid__r1"] == "Opción yes" and first["victims__m__minor"] == 2
    assert second["plan_date"] is None and second["victims__f__adult"] is None and second["notes"] is None
    data = list(ws.iter_rows(min_row=2))
    types = {header[i]: data[0][i] for i in range(len(header))}
    assert types["budget"].data_type == "n" and types["staff"].data_type == "n"
    assert types["plan_date"].is_date and types["Enviado"].is_date
    assert types["actions__a"].data_type == "n" and types["victims__f__adult"].data_type == "n"

    codes = wb["Respuestas (códigos)"]
    assert [c.value for c in codes[1]] == header
    coded = [dict(zip(header, row)) for row in codes.iter_rows(min_row=2, values_only=True)]
    assert coded[0]["has_plan"] == 1 and coded[1]["has_plan"] == 0
    assert coded[0]["plan_status"] == "approved" and coded[0]["grid__r2"] == "no"
    assert coded[0]["Institución"] == "mininter" and coded[0]["Región"] == "08"


def test_dictionary_and_invitations(story, tmp_path):
    round_, _, invitations = story
    wb, _, _ = built(tmp_path, round_)
    ws = wb["Diccionario"]
    header = [c.value for c in ws[1]]
    rows = {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows)[:3] == ["org_name", "has_plan", "plan_status"] and len(rows) == 11
    plan = rows["plan_status"]
    assert plan["Sección"] == "Gobernanza" and plan["Eje"] == "Gobernanza" and plan["Tipo"] == "Opción única"
    assert plan["Texto (es)"] == "Estado del plan" and plan["Texto (en)"] == "Estado del plan (en)"
    assert plan["Opciones (código = etiqueta)"].splitlines()[0] == "approved = Opción approved"
    assert plan["Peso en el índice"] == 1 and plan["Método de puntaje"] == "option_points"
    assert rows["victims"]["Columnas en Respuestas"].splitlines()[0] == "victims__f__adult"
    assert rows["budget"]["Validación"] == "mín. 0; decimales 2; moneda PEN"
    assert rows["org_name"]["Eje"] is None
    assert rows["notes"]["Se muestra si"] == "has_plan = sí" and rows["staff"]["Se muestra si"] is None

    inv = wb["Invitaciones"]
    header = [c.value for c in inv[1]]
    assert header == ["Funcionario(a)", "Correo", "Cargo", "Institución", "Organización", "Región", "Estado",
                      "Invitado", "Recordatorios", "Último recordatorio", "Enviado", "Declinó"]
    rows = list(inv.iter_rows(min_row=2))
    assert len(rows) == 5
    assert [r[6].value for r in rows] == ["Enviado", "Enviado", "Enviado", "Invitado", "Revocado"]
    assert rows[0][10].is_date and rows[0][10].value == datetime(2026, 5, 4, 10, 30)
    # A name that looks like a formula stays text; no token anywhere.
    assert rows[3][0].value == "=cmd|' /C calc'!A0" and rows[3][0].data_type == "s"
    secrets = {i.token_hash for i in invitations} | {i.token_nonce for i in invitations}
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not secrets & {str(v) for v in row}


def test_english_workbook(story, tmp_path):
    round_, _, _ = story
    wb, _, _ = built(tmp_path, round_, lang="en")
    assert wb.sheetnames[:6] == ["Summary", "Chart", "Axis 1", "Axis 2", "Profile", "Matrix"]
    assert wb.sheetnames[6:] == ["Responses", "Responses (codes)", "Dictionary", "Invitations"]
    assert wb["Axis 2"]["A1"].value == "Axis 2: Protección (en)"
    header = [c.value for c in wb["Responses"][1]][:7]
    assert header == ["Response ID", "Version", "Institution", "Organisation", "Region", "Sector", "Submitted"]
    first = [c.value for c in wb["Responses"][2]]
    assert first[5] == "State" and first[8] == "Yes" and first[9] == "Opción approved (en)"
    assert find_row(wb["Summary"], "Round")[1].value == "Informe 2026"


def test_indices_match_the_results_service(story):
    """The workbook and the results aggregation use one definition of a group's index."""
    from survey.services import results
    from survey.workbook import figures

    round_, _, _ = story
    blocks = results.compute(round_)
    ours = figures.axis_indices(round_.id)
    assert blocks[("national", "")]["index"] == {
        axis: pytest.approx(ours.national.index(axis), abs=1e-4) for axis in ("gov", "prot")}
    for group in ours.institutions:
        if group.responses:
            theirs = blocks[("institution", str(group.id))]["index"]
            assert theirs == {axis: pytest.approx(group.index(axis), abs=1e-4) for axis in ("gov", "prot")}
