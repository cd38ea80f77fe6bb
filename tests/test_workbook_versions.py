"""Workbooks of a round with no responses, of responses to two versions, and comparing two rounds."""
from __future__ import annotations

from datetime import timedelta
from statistics import mean

import pytest
from openpyxl import load_workbook

import questionnaires
from survey.models._types import utcnow
from survey.workbook.builder import build
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)

V2 = {"extra_option": True, "drop": ("budget",), "add_question": True}


def rows_of(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_a_round_without_responses(db_session, tmp_path):
    round_ = make_round(publish_document(export_document()))
    make_invitation(round_, institution="pnp", region="tumbes")
    path = tmp_path / "empty.xlsx"
    result = build(round_.id, path)
    assert result.rows == 0
    wb = load_workbook(path)
    summary = rows_of(wb["Resumen"])
    assert ["Total", 1, 0, 0] in [r[:4] for r in summary]
    assert ["Gobernanza", None, 0] in [r[:3] for r in summary]
    assert len(wb["Gráfico"]._charts) == 1
    responses = rows_of(wb["Respuestas"])
    assert len(responses) == 1 and responses[0][:2] == ["ID respuesta", "Versión"]
    matrix = rows_of(wb["Matriz"])
    pnp = next(r for r in matrix if r[0] and r[0].startswith("Policía Nacional"))
    assert pnp[1:] == [0, None, None]
    gov = rows_of(wb["Eje 1"])
    assert ["Respuestas", 0] in [r[:2] for r in gov]
    assert len(rows_of(wb["Invitaciones"])) == 2


@pytest.fixture
def two_versions(db_session):
    """Two responses to version 1, then the round moves to version 2 and one more answers it."""
    v1 = publish_document(export_document())
    round_ = make_round(v1, title="Ronda con dos versiones")
    old = []
    for staff in (4, 6):
        invitation, _ = make_invitation(round_, institution="mpfn", region="piura")
        old.append(make_response(invitation, {"has_plan": True, "actions": ["a"], "budget": 100, "staff": staff}))
    v2 = publish_document(export_document(**V2))
    round_.version = v2
    db_session.flush()
    invitation, _ = make_invitation(round_, institution="mpfn", region="piura")
    new = make_response(invitation, {"has_plan": False, "actions": ["other"], "staff": 9, "new_count": 12})
    return round_, old, new


def test_responses_to_two_versions_share_one_sheet(two_versions, tmp_path):
    round_, _, _ = two_versions
    path = tmp_path / "versions.xlsx"
    build(round_.id, path)
    wb = load_workbook(path)
    ws = wb["Respuestas"]
    header = [c.value for c in ws[1]]
    assert header[7:] == [
        "org_name", "has_plan", "plan_status", "actions__a", "actions__b", "actions__c", "actions__other",
        "budget", "staff", "plan_date", "new_count", "grid__r1", "grid__r2", "victims__f__adult",
        "victims__f__minor", "victims__m__adult", "victims__m__minor", "quality", "notes"]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Versión"] for r in rows] == [1, 1, 2]
    assert [r["budget"] for r in rows] == [100, 100, None]
    assert [r["new_count"] for r in rows] == [None, None, 12]
    assert [r["actions__other"] for r in rows] == [0, 0, 1]
    summary = rows_of(wb["Resumen"])
    assert ["Versión(es)", "1, 2"] in [r[:2] for r in summary]
    dictionary = {r[0]: r for r in rows_of(wb["Diccionario"])[1:]}
    assert dictionary["budget"][-1] == "1" and dictionary["new_count"][-1] == "2"
    assert dictionary["staff"][-1] == "1, 2"
    gov = rows_of(wb["Eje 1"])
    staff = gov.index(["staff — Personal", None, None, None, None])
    assert gov[staff + 3] == [3, pytest.approx(19 / 3), 6, 4, 9]
    other = next(r for r in gov[gov.index(["actions — Acciones", None, None, None, None]):] if r[1] == "other")
    assert other[:4] == ["Opción other", "other", 1, pytest.approx(1 / 3)]


def test_comparing_two_rounds(two_versions, tmp_path):
    later, old, new = two_versions
    v1 = old[0].version
    earlier = make_round(v1, title="Informe 2025", opens_at=utcnow() - timedelta(days=400),
                         closes_at=utcnow() - timedelta(days=350), status="closed")
    earlier_answers = [{"has_plan": True, "actions": ["a", "b"], "budget": 50, "staff": 1},
                       {"has_plan": True, "actions": ["c"], "budget": 70, "staff": 3}]
    for answers in earlier_answers:
        invitation, _ = make_invitation(earlier, institution="pnp", region="cusco")
        make_response(invitation, answers)
    path = tmp_path / "compare.xlsx"
    build(later.id, path, compare_round_id=earlier.id)
    wb = load_workbook(path)
    assert wb.sheetnames[-1] == "Comparativo"
    rows = rows_of(wb["Comparativo"])
    assert rows[0][0] == "Comparativo: Informe 2025 → Ronda con dos versiones"
    q1 = questionnaires.load(export_document())
    q2 = questionnaires.load(export_document(**V2))
    before = mean(questionnaires.score(q1, a)["gov"] for a in earlier_answers)
    after = mean([*(questionnaires.score(q1, r.answers)["gov"] for r in old),
                  questionnaires.score(q2, new.answers)["gov"]])
    gov = next(r for r in rows if r[0] == "Gobernanza")
    assert gov[1:4] == [pytest.approx(before), pytest.approx(after), pytest.approx(after - before)]
    prot = next(r for r in rows if r[0] == "Protección")
    assert prot[1:4] == [None, None, None]
    header = rows.index(["Clave", "Pregunta", "Indicador", "Informe 2025", "Ronda con dos versiones", "Cambio"])
    shared = [r for r in rows[header + 1:] if r[0] == "has_plan"]
    assert shared[0][2:] == ["Respuestas", 2, 3, 1]
    assert shared[1][2:] == ["% Sí", 1, pytest.approx(2 / 3), pytest.approx(2 / 3 - 1)]
    staff_mean = next(r for r in rows if r[0] == "staff" and r[2] == "Media")
    assert staff_mean[3:] == [2, pytest.approx(19 / 3), pytest.approx(19 / 3 - 2)]
    assert not [r for r in rows[header + 1:] if r[0] == "new_count" and r[2] == "Respuestas"]
    only_2025 = rows.index(["Preguntas solo en Informe 2025", None, None, None, None, None])
    assert rows[only_2025 + 1][0] == "(ninguna)"
    only_2026 = rows.index(["Preguntas solo en Ronda con dos versiones", None, None, None, None, None])
    assert rows[only_2026 + 1][:2] == ["new_count", "Nuevo conteo"]
