"""A civil-society member answers the shadow-report round in headless Chromium, with JavaScript and without:
four sections (governance is the State's), the watchdog's own question on prevention, and no governance axis."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Response
from tests.browser.test_respond_e2e import PHONE, fill
from tests.factories import make_invitation, make_round, publish_document
from tests.respond_support import pnat_pages, use_memory_broker
from tests.sector_support import PREVENTION_CIVIL, sectored_document

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECTIONS = ("profile", "prevention", "prosecution", "protection")
CONTINUE = re.compile("^Guardar y (continuar|revisar)$")


def civil_link(live_app) -> tuple[int, str]:
    """A civil-society invitation to a round on the sectored questionnaire: (its id, its token)."""
    use_memory_broker(live_app)
    with live_app.app_context():
        invitation, token = make_invitation(make_round(publish_document(sectored_document())), sector="civil")
        db.session.commit()
        invitation_id = invitation.id
        db.session.remove()
    return invitation_id, token


def assert_submitted_without_governance(live_app, invitation_id: int) -> None:
    with live_app.app_context():
        response = db.session.scalars(select(Response).where(Response.invitation_id == invitation_id)).one()
        assert response.revision == 1
        assert not {"focal_unit_designated", "budget_pim_pen", "coordination_matrix"} & set(response.answers)
        assert response.answers["population_knowledge"] == 3
        assert response.scores["governance"] is None
        assert response.scores["prevention"] == pytest.approx(PREVENTION_CIVIL)
        db.session.remove()


def answer(page, *, javascript: bool) -> int:
    """Answer every section the civil member is shown; return how many follow-up steps came back."""
    pages = pnat_pages()
    follow_ups = 0
    for index, section in enumerate(SECTIONS):
        expect(page).to_have_url(re.compile(rf"/s/{section}$"))
        expect(page.get_by_text(f"Sección {index + 1} de {len(SECTIONS)}")).to_be_visible()
        if section == "prevention":
            expect(page.locator('[name="population_knowledge"]').first).to_be_visible()
        fill(page, pages[section])
        page.get_by_role("button", name=CONTINUE).click()
        following = SECTIONS[index + 1] if index + 1 < len(SECTIONS) else None
        expect(page).to_have_url(re.compile(rf"/s/{following}$|/s/{section}#" if following else r"/review$|#"))
        if "#" in page.url:
            assert not javascript, "with JavaScript the conditional questions open in place"
            follow_ups += 1
            fill(page, pages[section])
            page.get_by_role("button", name=CONTINUE).click()
            expect(page).to_have_url(re.compile(rf"/s/{following}$" if following else r"/review$"))
        assert page.locator(".error-summary").count() == 0, section
    assert "Gobernanza institucional" not in page.content()
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Respuestas recibidas")).to_be_visible()
    return follow_ups


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_civil_member_answers_without_the_state_section(browser, live_server, live_app, javascript):
    invitation_id, token = civil_link(live_app)
    context = browser.new_context(viewport=PHONE, locale="es-PE", java_script_enabled=javascript)
    page = context.new_page()
    assert page.goto(f"{live_server}/r/{token}/s/governance").status == 404
    page.goto(f"{live_server}/r/{token}/")
    page.get_by_role("link", name="Comenzar").click()
    follow_ups = answer(page, javascript=javascript)
    # Without JavaScript, prosecution and protection ask their opened questions on a second step.
    assert follow_ups == (0 if javascript else 2)
    context.close()
    assert_submitted_without_governance(live_app, invitation_id)
