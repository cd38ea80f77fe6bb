"""An official answers the reference PNAT questionnaire in headless Chromium, on a 360 px phone.

Through the show-if branches, leaving midway and resuming in a fresh browser, submitting and
submitting again; axe-core, page weight, third-party requests and width checked on every page.
Then the same without JavaScript.
"""
from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Invitation, OutboxMessage, ResponseRevision
from tests.factories import make_invitation, make_round
from tests.respond_support import pnat_pages, use_memory_broker

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
PHONE = {"width": 360, "height": 740}
MAX_PAGE_BYTES = 100_000


class Checks:
    """Watches one browser context: every request stays on the app, every page is light,
    accessible (axe-core) and fits a 360 px screen."""

    def __init__(self, context, base: str) -> None:
        self.base = base
        self.requests = []
        self.checked = []
        context.on("requestfinished", lambda request: self.requests.append(request))
        context.on("requestfailed", lambda request: self.requests.append(request))

    def new_page(self) -> None:
        """Forget the requests of the pages before (call before a navigation)."""
        self.requests.clear()

    def page(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        outside = [r.url for r in self.requests if not r.url.startswith(self.base + "/")]
        assert not outside, f"{name}: third-party requests {outside}"
        sizes = [r.sizes() for r in self.requests if r.url.startswith(self.base + "/") and not r.failure]
        weight = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
        assert 0 < weight < MAX_PAGE_BYTES, f"{name}: {weight} bytes transferred"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], f"{name}: scrolls sideways"
        if page.evaluate("typeof axe") == "undefined":
            # add_script_tag would insert an inline script, which the app's CSP (rightly) blocks;
            # evaluating the file through the DevTools protocol keeps the real CSP on.
            page.evaluate(AXE_JS.read_text("utf-8"))
        violations = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
        assert not violations, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations)
        self.checked.append(name)
        self.new_page()


def fill(page, form: dict[str, list[str]]) -> None:
    """Answer the visible fields of the current page as *form* says."""
    for name, values in form.items():
        field = page.locator(f'[name="{name}"]').first
        if not field.is_visible():
            continue
        kind = field.get_attribute("type")
        if kind in ("radio", "checkbox"):
            for value in values:
                page.check(f'[name="{name}"][value="{value}"]')
        elif kind == "date" and "/" in values[0]:
            day, month, year = values[0].split("/")
            field.fill(f"{year}-{month}-{day}")
        else:
            field.fill(values[0])


def next_page(page, checks: Checks, name: str) -> None:
    checks.new_page()
    # Wait for the page the button leads to (the same URL when it comes back with errors): what
    # follows, fill() above all, must not run on the page being left.
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Guardar y (continuar|revisar)$")).click()
    checks.page(page, name)


def test_an_official_answers_on_a_phone(browser, live_server, live_app):
    use_memory_broker(live_app)
    with live_app.app_context():
        invitation, token = make_invitation(make_round(title="Informe Alternativo 2026"))
        db.session.commit()
        invitation_id = invitation.id
        db.session.remove()
    link = f"{live_server}/r/{token}/"
    pages = pnat_pages()

    context = browser.new_context(viewport=PHONE, locale="es-PE")
    checks = Checks(context, live_server)
    page = context.new_page()
    page.goto(link)
    checks.page(page, "welcome")
    expect(page.get_by_role("heading", level=1)).to_have_text("Informe Alternativo 2026")
    checks.new_page()
    page.get_by_role("link", name="Comenzar").click()
    checks.page(page, "profile")
    expect(page.get_by_text("Sección 1 de 5")).to_be_visible()

    # Moving on with nothing answered: errors listed at the top, linked to their fields.
    next_page(page, checks, "profile with errors")
    expect(page.locator(".error-summary")).to_be_focused()
    page.locator(".error-summary a").first.click()

    # Show-if branches: "other" institution reveals a question, any other choice hides it.
    other_block = page.locator("#q-institution_other-block")
    page.check('[name="institution"][value="other"]')
    expect(other_block).to_be_visible()
    page.fill('[name="institution_other"]', "Defensoría regional")
    page.check('[name="institution"][value="mininter"]')
    expect(other_block).to_be_hidden()
    fill(page, pages["profile"])
    next_page(page, checks, "governance")
    expect(page.get_by_text("Eje de la política: Gobernanza institucional")).to_be_visible()

    sessions = page.locator("#q-sessions_attended-block")
    expect(sessions).to_be_hidden()
    page.check('[name="member_antitrafficking_body"][value="false"]')
    expect(sessions).to_be_hidden()
    page.check('[name="member_antitrafficking_body"][value="true"]')
    expect(sessions).to_be_visible()
    fill(page, pages["governance"])
    next_page(page, checks, "prevention")

    # Half of a page typed, autosaved while typing, then the official leaves.
    page.fill('[name="people_reached"]', "3400")
    page.check('[name="prevention_actions"][value="media_campaign"]')
    expect(page.locator("#save-status")).to_contain_text("Guardado a las", timeout=10_000)
    context.close()

    # Another browser (no cookies, no storage): the link resumes at the same page, answers kept.
    context = browser.new_context(viewport=PHONE, locale="es-PE")
    checks = Checks(context, live_server)
    page = context.new_page()
    page.goto(link)
    checks.page(page, "welcome on return")
    checks.new_page()
    page.get_by_role("link", name=re.compile("Continuar donde se quedó")).click()
    checks.page(page, "prevention on return")
    expect(page.get_by_text("Sección 3 de 5")).to_be_visible()
    expect(page.locator('[name="people_reached"]')).to_have_value("3400")
    expect(page.locator('[name="prevention_actions"][value="media_campaign"]')).to_be_checked()

    # The connection drops while typing: the answer waits in the browser and survives the tab.
    context.set_offline(True)
    page.fill('[name="officials_trained"]', "40")
    expect(page.locator("#save-status")).to_contain_text("Sin conexión", timeout=10_000)
    # Closed while offline, so the copy in the browser is all there is: an open page would save it
    # the moment the connection returns, and a reload would race that save (and Chromium refills a
    # reloaded form by itself, whatever the script does).
    section_url = page.url
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(section_url)
    expect(page.locator('[name="officials_trained"]')).to_have_value("40")
    checks.new_page()

    fill(page, pages["prevention"])
    next_page(page, checks, "prosecution")
    matrix = page.locator("#q-victims_matrix-block")
    page.check('[name="enforcement_competence"][value="false"]')
    expect(matrix).to_be_hidden()
    page.check('[name="enforcement_competence"][value="true"]')
    expect(matrix).to_be_visible()
    fill(page, pages["prosecution"])
    next_page(page, checks, "protection")
    fill(page, pages["protection"])
    next_page(page, checks, "review")
    expect(page.get_by_role("heading", name="Revise sus respuestas")).to_be_visible()
    expect(page.get_by_text("Falta de presupuesto <b>y</b> personal")).to_be_visible()

    nonce = page.locator('[name="nonce"]').get_attribute("value")
    csrf = page.locator('form[data-submit-once] [name="csrf_token"]').get_attribute("value")
    checks.new_page()
    page.get_by_role("button", name="Enviar respuestas").dblclick()
    expect(page.get_by_role("heading", name="Respuestas recibidas")).to_be_visible()
    checks.page(page, "done")

    # The same POST again (a refresh, the back button, a replay): "already received", nothing new.
    replay = page.request.post(f"{link}submit", form={"nonce": nonce, "csrf_token": csrf})
    assert replay.ok and "Ya habíamos recibido sus respuestas" in replay.text()
    page.goto(f"{link}done?already=1")
    checks.page(page, "done, already received")
    with live_app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        response = invitation.response
        assert response.revision == 1 and response.answers["people_reached"] == 3400
        assert "institution_other" not in response.answers
        assert db.session.scalar(select(func.count()).select_from(ResponseRevision)
                                 .where(ResponseRevision.response_id == response.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation_id, OutboxMessage.kind == "receipt")) == 1
        db.session.remove()
    context.close()


def test_side_pages_are_accessible(browser, live_server, live_app):
    use_memory_broker(live_app)
    with live_app.app_context():
        round_ = make_round()
        _, token = make_invitation(round_)
        closed = make_round(status="closed")
        _, closed_token = make_invitation(closed)
        db.session.commit()
        db.session.remove()
    context = browser.new_context(viewport=PHONE, locale="es-PE")
    checks = Checks(context, live_server)
    page = context.new_page()
    for path, name in ((f"/r/{token}/decline", "decline"), (f"/r/{token}/forward", "forward"),
                       (f"/r/{token}/review", "review, nothing answered"), ("/r/not-a-real-token/", "bad link"),
                       (f"/r/{closed_token}/", "closed round")):
        checks.new_page()
        page.goto(live_server + path)
        checks.page(page, name)
    checks.new_page()
    page.goto(f"{live_server}/r/{token}/forward")
    page.get_by_role("button", name="Enviar el enlace a mi colega").click()
    checks.page(page, "forward with errors")
    context.close()


def test_answering_without_javascript(browser, live_server, live_app):
    use_memory_broker(live_app)
    with live_app.app_context():
        _, token = make_invitation(make_round())
        db.session.commit()
        db.session.remove()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/r/{token}/")
    page.get_by_role("link", name="Comenzar").click()
    # Without JavaScript a closed conditional question is not shown: it is asked once its answer opens it.
    expect(page.locator("#q-institution_other-block")).to_be_hidden()
    sections = list(pnat_pages().items())
    follow_ups = 0
    for index, (section, form) in enumerate(sections):
        # fill() skips what is not visible: it must run on this section's page, not the one before it
        expect(page).to_have_url(re.compile(rf"/s/{section}$"))
        fill(page, form)
        page.get_by_role("button", name=re.compile("^Guardar y (continuar|revisar)$")).click()
        following = sections[index + 1][0] if index + 1 < len(sections) else None
        expect(page).to_have_url(re.compile(rf"/s/{following}$|/s/{section}#" if following else r"/review$|#"))
        if "#" in page.url:
            # The follow-up step: the answers just saved opened questions, asked now on the same page.
            follow_ups += 1
            expect(page.get_by_text("Según su respuesta, corresponde responder también")).to_be_visible()
            assert page.locator(".error-summary").count() == 0, section
            fill(page, form)
            page.get_by_role("button", name=re.compile("^Guardar y (continuar|revisar)$")).click()
            expect(page).to_have_url(re.compile(rf"/s/{following}$" if following else r"/review$"))
        assert page.locator(".error-summary").count() == 0, section
    assert follow_ups == 3  # governance, prosecution and protection open questions on their own page
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Respuestas recibidas")).to_be_visible()
    page.go_back()
    page.reload()
    assert "Enviar respuestas" not in page.content()
    context.close()
