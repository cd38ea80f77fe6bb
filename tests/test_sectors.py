"""Respondent kinds through the personal link: a civil-society member and a State official answer the same
round, each asked their own questions, and the results set what the State says beside what watchdogs observe."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.extensions import db, limiter
from survey.models import Answer, Response
from survey.services import results
from tests.factories import (
    login_as,
    make_invitation,
    make_round,
    make_user,
    publish_document,
)
from tests.respond_support import pnat_pages, use_memory_broker
from tests.sector_support import (
    GOVERNANCE_STATE,
    PREVENTION_CIVIL,
    PREVENTION_STATE,
    sectored_document,
)

GOVERNANCE_KEYS = {key for key in pnat_pages()["governance"] if "__" not in key} | {"coordination_matrix"}


@pytest.fixture(autouse=True)
def _isolated(app):
    use_memory_broker(app)
    limiter.reset()


@pytest.fixture
def pair(db_session):
    """A round on the sectored questionnaire: (civil invitation, its token), (State invitation, its token)."""
    round_ = make_round(publish_document(sectored_document()), title="Informe sombra 2026")
    civil = make_invitation(round_, sector="civil", name="Observadora ciudadana")
    state = make_invitation(round_, sector="state")
    db_session.commit()
    return civil, state


def answer_and_submit(client, token, pages) -> None:
    for section, form in pages.items():
        response = client.post(f"/r/{token}/s/{section}", data={**form, "nav": "next"})
        assert response.status_code == 303, (section, response.get_data(as_text=True)[:2000])
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', review).group(1)
    assert client.post(f"/r/{token}/submit", data={"nonce": nonce}).status_code == 303


def civil_pages() -> dict:
    return {key: form for key, form in pnat_pages().items() if key != "governance"}


def test_a_civil_member_never_sees_the_state_section(client, pair):
    (_, civil), (_, state) = pair
    assert client.get(f"/r/{civil}/s/governance").status_code == 404
    prevention = client.get(f"/r/{civil}/s/prevention").get_data(as_text=True)
    assert 'name="population_knowledge"' in prevention
    # Profile leads straight to prevention; the page count leaves governance out.
    response = client.post(f"/r/{civil}/s/profile", data={**pnat_pages()["profile"], "nav": "next"})
    assert response.headers["Location"].endswith(f"/r/{civil}/s/prevention")
    assert "Gobernanza" not in client.get(f"/r/{civil}/review").get_data(as_text=True)
    # The State official is asked governance and never the civil-society question.
    assert 'name="budget_pim_pen"' in client.get(f"/r/{state}/s/governance").get_data(as_text=True)
    assert 'name="population_knowledge"' not in client.get(f"/r/{state}/s/prevention").get_data(as_text=True)


def test_a_forged_post_cannot_store_an_answer_to_the_state_section(client, pair):
    (invitation, civil), (official, state) = pair
    assert client.post(f"/r/{civil}/s/governance", data={**pnat_pages()["governance"], "nav": "next"}
                       ).status_code == 404
    assert client.post(f"/r/{civil}/autosave", data={"_section": "governance", "budget_pim_pen": "5000"}
                       ).status_code == 400
    forged = {**pnat_pages()["prevention"], "budget_pim_pen": ["5000"], "focal_unit_designated": ["true"]}
    assert client.post(f"/r/{civil}/s/prevention", data={**forged, "nav": "next"}).status_code == 303
    db.session.expire_all()
    stored = db.session.get(type(invitation), invitation.id).response.answers
    assert stored["population_knowledge"] == 3
    assert not set(stored) & GOVERNANCE_KEYS
    # Nor the other way round: the civil-society question posted by a State official is not kept.
    assert client.post(f"/r/{state}/s/prevention", data={**forged, "nav": "save"}).status_code == 303
    db.session.expire_all()
    assert "population_knowledge" not in db.session.get(type(official), official.id).response.answers


def test_a_civil_member_submits_without_the_state_section_and_its_axis_is_not_zero(client, pair):
    (invitation, civil), _ = pair
    answer_and_submit(client, civil, civil_pages())
    response = db.session.scalars(select(Response).where(Response.invitation_id == invitation.id)).one()
    assert response.revision == 1 and response.invitation.status == "submitted"
    assert not set(response.answers) & GOVERNANCE_KEYS
    assert response.scores["governance"] is None
    assert response.scores["prevention"] == pytest.approx(PREVENTION_CIVIL)
    keys = set(db.session.scalars(select(Answer.question_key).where(Answer.response_id == response.id)))
    assert "population_knowledge" in keys and not keys & GOVERNANCE_KEYS


def test_a_state_official_must_answer_the_state_section(client, pair):
    _, (invitation, state) = pair
    pages = civil_pages()
    for section, form in pages.items():
        client.post(f"/r/{state}/s/{section}", data={**form, "nav": "next"})
    review = client.get(f"/r/{state}/review").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', review).group(1)
    refused = client.post(f"/r/{state}/submit", data={"nonce": nonce})
    assert refused.headers["Location"].endswith(f"/r/{state}/s/governance?check=1")
    answer_and_submit(client, state, pnat_pages())
    db.session.expire_all()
    response = db.session.scalars(select(Response).where(Response.invitation_id == invitation.id)).one()
    assert response.scores["governance"] == pytest.approx(GOVERNANCE_STATE)
    assert response.scores["prevention"] == pytest.approx(PREVENTION_STATE)
    assert "population_knowledge" not in response.answers


@pytest.fixture
def answered(client, pair):
    """Both have submitted; the round's results are aggregated."""
    (civil_invitation, civil), (_, state) = pair
    answer_and_submit(client, civil, civil_pages())
    answer_and_submit(client, state, pnat_pages())
    results.aggregate(civil_invitation.round_id)
    db.session.commit()
    return civil_invitation.round


def test_the_stored_results_split_every_group_by_sector(answered):
    blocks = results.for_round(answered.id)
    national = blocks[("national", "")]
    assert national["index"]["prevention"] == pytest.approx((PREVENTION_STATE + PREVENTION_CIVIL) / 2, abs=1e-4)
    assert national["index"]["governance"] == pytest.approx(GOVERNANCE_STATE, abs=1e-4)
    state, civil = national["by_sector"]["state"], national["by_sector"]["civil"]
    assert state["index"]["governance"] == pytest.approx(GOVERNANCE_STATE, abs=1e-4)
    assert civil["index"]["governance"] is None and civil["scored"]["governance"] == 0
    assert state["index"]["prevention"] == pytest.approx(PREVENTION_STATE, abs=1e-4)
    assert civil["index"]["prevention"] == pytest.approx(PREVENTION_CIVIL, abs=1e-4)
    assert (state["submitted"], civil["submitted"]) == (1, 1)
    region = next(block for (scope, _), block in blocks.items() if scope == "region")
    assert region["by_sector"]["civil"]["index"]["prevention"] == pytest.approx(PREVENTION_CIVIL, abs=1e-4)
    knowledge = blocks[("question", "population_knowledge")]["by_sector"]
    assert knowledge["state"] == [] and knowledge["civil"] == [{"item": "", "value": "3", "count": 1}]
    sectors = {item["sector"] for item in blocks[("responses", "")]["responses"].values()}
    assert sectors == {"state", "civil"}


def test_the_results_page_shows_state_and_civil_society_side_by_side(client, answered):
    login_as(client, make_user("analyst"))
    html = client.get(f"/results/rounds/{answered.id}").get_data(as_text=True)
    table = html.split('id="sectors"')[1].split("</table>")[0]
    rows = {cells[0]: cells[1:] for cells in (re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
                                              for row in table.split("<tr>")[2:])}
    both = (PREVENTION_STATE + PREVENTION_CIVIL) / 2
    assert rows["Prevención y sensibilización"][:5] == [f"{both:.1f}", "80", "1", f"{PREVENTION_CIVIL:.1f}", "1"]
    governance = rows["Gobernanza institucional"]
    assert governance[:3] == [f"{GOVERNANCE_STATE:.1f}", f"{GOVERNANCE_STATE:.1f}", "1"]
    assert "sin respuestas" in governance[3] and governance[4] == "0"
    assert "Gobernanza institucional · Estado" in html and "Gobernanza institucional · Sociedad civil" in html
    # The chart of the civil-only question has a bar per sector.
    assert "Regular · Sociedad civil: 1 (100.0 %)" in html and "Regular · Estado: 0 (—)" in html


def test_the_workbook_has_a_sector_column_and_the_indices_by_sector(answered, tmp_path):
    from openpyxl import load_workbook

    from survey.workbook.builder import build

    path = tmp_path / "sectors.xlsx"
    build(answered.id, path)
    book = load_workbook(path)
    header = [cell.value for cell in book["Respuestas"][1]]
    rows = [dict(zip(header, row)) for row in book["Respuestas"].iter_rows(min_row=2, values_only=True)]
    assert sorted(row["Sector"] for row in rows) == ["Estado", "Sociedad civil"]
    civil = next(row for row in rows if row["Sector"] == "Sociedad civil")
    assert civil["budget_pim_pen"] is None and civil["population_knowledge"] == "Regular"
    codes = [row[5] for row in book["Respuestas (códigos)"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["civil", "state"]
    summary = [list(row) for row in book["Resumen"].iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(summary) if row[0] == "Índice por eje: Estado y sociedad civil")
    assert summary[start + 1] == ["Eje", "Índice: Estado", "Respuestas con índice: Estado",
                                  "Índice: Sociedad civil", "Respuestas con índice: Sociedad civil"]
    by_axis = {row[0]: row[1:] for row in summary[start + 2:start + 6]}
    assert by_axis["Gobernanza institucional"][0] == pytest.approx(GOVERNANCE_STATE)
    assert by_axis["Gobernanza institucional"][1:] == [1, None, 0]
    prevention = by_axis["Prevención y sensibilización"]
    assert prevention[0] == pytest.approx(PREVENTION_STATE) and prevention[2] == pytest.approx(PREVENTION_CIVIL)
    assert (prevention[1], prevention[3]) == (1, 1)
