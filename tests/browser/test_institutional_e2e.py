"""Two officials of the Regional Government of Cusco answer their organisation's one response at the same time,
in two real browsers (two Chromium contexts, JavaScript on): different sections are both kept; the same
question gets a conflict notice with both values on the second save, and the first value is not overwritten."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Response
from tests.browser.support import watch_problems
from tests.browser.test_respond_e2e import PHONE, fill
from tests.institutional_support import cusco_team
from tests.respond_support import pnat_pages, use_memory_broker

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SAVE_FOR_LATER = "Guardar y seguir más tarde"


def stored_answers(live_app, organisation_id: int) -> dict:
    with live_app.app_context():
        response = db.session.scalars(select(Response).where(Response.organisation_id == organisation_id)).one()
        answers = dict(response.answers)
        db.session.remove()
    return answers


def test_two_officials_answer_one_institutional_response_at_once(browser, live_server, live_app):
    use_memory_broker(live_app)
    with live_app.app_context():
        team = cusco_team()
        db.session.commit()
        ana_token, luis_token, organisation_id = team.ana_token, team.luis_token, team.organisation.id
        db.session.remove()
    ana_context = browser.new_context(viewport=PHONE, locale="es-PE")
    luis_context = browser.new_context(locale="es-PE")
    ana, luis = ana_context.new_page(), luis_context.new_page()
    problems = {"ana": watch_problems(ana), "luis": watch_problems(luis)}
    try:
        # Different sections, at the same time: Ana on governance, Luis on prevention, both saving at once.
        ana.goto(f"{live_server}/r/{ana_token}/s/governance")
        luis.goto(f"{live_server}/r/{luis_token}/s/prevention")
        fill(ana, pnat_pages()["governance"])
        fill(luis, pnat_pages()["prevention"])
        ana.get_by_role("button", name=SAVE_FOR_LATER).click(no_wait_after=True)
        luis.get_by_role("button", name=SAVE_FOR_LATER).click(no_wait_after=True)
        expect(ana).to_have_url(re.compile(r"/r/[^/]+/\?saved=1$"))
        expect(luis).to_have_url(re.compile(r"/r/[^/]+/\?saved=1$"))
        answers = stored_answers(live_app, organisation_id)
        assert answers["plan_status"] == "approved_in_force" and answers["sessions_attended"] == 4  # Ana's
        assert answers["people_reached"] == 3400 and answers["population_knowledge"] == 3  # Luis's

        # Each sees the other's section and who changed it last.
        luis.goto(f"{live_server}/r/{luis_token}/s/governance")
        expect(luis.get_by_text(re.compile(r"Última modificación: Ana Quispe, \d\d/\d\d/\d{4} \d\d:\d\d"))).to_be_visible()

        # The same question: both open the page before either saves; Ana saves first, then Luis.
        ana.goto(f"{live_server}/r/{ana_token}/s/prevention")
        luis.goto(f"{live_server}/r/{luis_token}/s/prevention")
        ana.locator('[name="people_reached"]').fill("500")
        luis.locator('[name="people_reached"]').fill("800")
        with ana.expect_navigation():
            ana.get_by_role("button", name=SAVE_FOR_LATER).click()
        with luis.expect_navigation():
            luis.get_by_role("button", name=SAVE_FOR_LATER).click()
        notice = luis.locator(".conflict-notice")
        expect(notice).to_contain_text("Valor guardado por Ana Quispe: «500»")
        expect(notice).to_contain_text("Su valor: «800»")
        expect(luis.locator('[name="people_reached"]')).to_have_value("800")  # what Luis typed is still there
        assert stored_answers(live_app, organisation_id)["people_reached"] == 500  # never silently overwritten
    finally:
        ana_context.close()
        luis_context.close()
    # The conflict page answers 409 on purpose; nothing else may fail.
    assert problems["ana"] == []
    assert [item for item in problems["luis"] if not item.startswith("409 ")] == []
