"""The results page of a round: rates, indices, heat map and a chart per question, all without JavaScript."""
from __future__ import annotations

import re

import pytest

import questionnaires
from tests.factories import (
    export_document,
    login_as,
    make_invitation,
    make_response,
    make_round,
    make_user,
    publish_document,
)

ANSWERS = [
    ("pnp", "cusco", {"has_plan": True, "plan_status": "approved", "actions": ["a", "b"], "staff": 7,
                      "grid": {"r1": "yes", "r2": "no"}, "quality": 5}),
    ("pnp", "cusco", {"has_plan": False, "plan_status": "none", "actions": ["a"], "staff": 1, "quality": 1}),
]


@pytest.fixture
def results_round(db_session):
    round_ = make_round(publish_document(export_document()), title='Ronda <b>"2026"</b>')
    for institution, region, answers in ANSWERS:
        invitation, _ = make_invitation(round_, institution=institution, region=region)
        make_response(invitation, answers)
    make_invitation(round_, institution="mimp", region="loreto")
    return round_


def test_results_page_shows_rates_indices_heat_map_and_charts(client, results_round):
    login_as(client, make_user("analyst"))
    page = client.get(f"/results/rounds/{results_round.id}")
    assert page.status_code == 200
    html = page.text
    assert "Ronda &lt;b&gt;&#34;2026&#34;&lt;/b&gt;" in html and "<b>" not in html
    assert "Respuestas enviadas: 2 de 3 personas invitadas." in html
    q = questionnaires.load(export_document())
    gov = sum(questionnaires.score(q, a)["gov"] for _, _, a in ANSWERS) / 2
    # The national gov index, as shown on the chart and in PNP's heat-map cell.
    shown = f"{gov:.1f}" if not float(gov).is_integer() else str(int(gov))
    assert f"Gobernanza: {shown}" in html
    assert re.search(rf'<td class="heat-{int(gov // 20)}">{re.escape(shown)}</td>', html)
    assert 'class="heat-none"' in html and "sin respuestas" in html  # MIMP invited, nobody answered
    assert "Cusco: 100.0 %" in html and "Loreto: 0.0 %" in html  # response rate per region
    assert html.count("<svg") >= 2 + 4  # axes, rates, and the choice/number questions
    assert "Opción a: 2 (100.0 %)" in html and "Opción b: 1 (50.0 %)" in html
    assert "<script>" not in html.split("</main>")[0]
    assert "style=" not in html


def test_results_page_needs_staff(client, results_round):
    assert client.get(f"/results/rounds/{results_round.id}").status_code == 302
    login_as(client, make_user("analyst"))
    assert client.get("/results/rounds/999999").status_code == 404


def test_results_page_of_a_round_without_answers(client, db_session):
    round_ = make_round(publish_document(export_document()))
    login_as(client, make_user("editor"))
    page = client.get(f"/results/rounds/{round_.id}")
    assert page.status_code == 200
    assert "Gobernanza: sin datos" in page.text and "Todavía no se ha invitado a nadie." in page.text


def test_a_member_of_civil_society_without_an_institution_type_is_named_as_in_the_workbook(client, results_round):
    # A watchdog member has no reference institution type: «(sin institución)», as the workbook says it.
    invitation, _ = make_invitation(results_round, region="puno", sector="civil")
    invitation.institution = None
    make_response(invitation, ANSWERS[0][2])
    login_as(client, make_user("analyst"))
    html = client.get(f"/results/rounds/{results_round.id}").text
    assert '<th scope="row">(sin institución)</th>' in html and "(sin asignar)" not in html
