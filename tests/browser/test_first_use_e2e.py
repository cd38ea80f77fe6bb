"""First use on a 360 px phone, in headless Chromium: the save status in Lima's 24-hour time, question
numbers without gaps, the range of a number question, clickable links in stored e-mails, a results page
that fits the screen, and a site icon (no request answered 404)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

import questionnaires
from survey.services import outbox
from tests.browser.support import log_in, watch_problems
from tests.factories import (
    make_invitation,
    make_response,
    make_round,
    make_user,
    publish_document,
)
from tests.respond_support import pnat_pages

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
LIMA = ZoneInfo("America/Lima")


@pytest.fixture
def phone(browser):
    """A 360 px page whose device is set to English (12-hour clock) in Tokyo, far from Lima."""
    context = browser.new_context(viewport=PHONE, locale="en-US", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _invited() -> str:
    round_ = make_round(publish_document(), title="Informe Alternativo 2026")
    _, token = make_invitation(round_, institution="mininter", region="cusco")
    return token


def _lima_minutes(moment: datetime) -> set[str]:
    """The Lima clock reading at *moment* and a minute either side (the save lands in between)."""
    return {(moment + timedelta(minutes=shift)).astimezone(LIMA).strftime("%H:%M") for shift in (-1, 0, 1)}


def test_the_save_status_shows_lima_time_on_a_24_hour_clock(phone, live_server, live_db):
    token = live_db(_invited)
    problems = watch_problems(phone)
    phone.goto(f"{live_server}/r/{token}/s/profile")
    phone.get_by_label(re.compile("meses", re.IGNORECASE)).fill("24")
    status = phone.locator("#save-status")
    expect(status).to_contain_text("Guardado a las", timeout=15_000)
    shown = re.search(r"Guardado a las (\S+)\.", status.inner_text()).group(1)
    assert re.fullmatch(r"\d{2}:\d{2}", shown), shown  # no "03:28 PM"
    assert shown in _lima_minutes(datetime.now(UTC))
    assert problems == []


def test_a_number_question_shows_its_allowed_range(phone, live_server, live_db):
    token = live_db(_invited)
    phone.goto(f"{live_server}/r/{token}/s/profile")
    field = phone.locator("#q-months_in_role")
    expect(phone.locator("#q-months_in_role-range")).to_have_text("Entre 0 y 600")
    assert "q-months_in_role-range" in field.get_attribute("aria-describedby")
    phone.goto(f"{live_server}/r/{token}/s/governance")
    expect(phone.locator("#q-budget_pim_pen-range")).to_have_text("Entre S/ 0 y S/ 500,000,000")
    expect(phone.locator("#q-budget_executed_pen-range")).to_have_text("S/ 0 o más")


def test_links_in_a_stored_email_can_be_clicked(phone, live_app, live_server, live_db, monkeypatch):
    monkeypatch.setitem(live_app.config, "SURVEY_BASE_URL", live_server)
    def story():
        editor = make_user("editor", email="editora.inicio@example.org")
        round_ = make_round(created_by=editor, title="Ronda de correos")
        invitation, token = make_invitation(round_, email="ana@example.gob.pe")
        return outbox.add(invitation, "invitation").id, token

    message_id, token = live_db(story)
    problems = watch_problems(phone)
    log_in(phone, live_server, "editora.inicio@example.org")
    phone.goto(f"{live_server}/outbox/{message_id}")
    link = phone.locator(".mail-text a", has_text=f"/r/{token}").first
    expect(link).to_be_visible()
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("href") == f"{live_server}/r/{token}/"
    with phone.context.expect_page() as opened:
        link.click()
    official = opened.value
    official.wait_for_load_state()
    assert f"/r/{token}" in official.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []


def _results_round() -> int:
    make_user("analyst", email="analista.inicio@example.org")
    version = publish_document()
    questionnaire = version.load()
    answers = {}
    for section, fields in pnat_pages().items():
        answers.update(questionnaires.parse_form(questionnaire, section, fields)[0])
    round_ = make_round(version, title="Informe Alternativo 2026")
    for institution, region in (("mininter", "cusco"), ("pnp", "puno"), ("mimp", "lima")):
        invitation, _ = make_invitation(round_, institution=institution, region=region)
        make_response(invitation, answers)
    return round_.id


def test_the_results_page_fits_a_360_px_screen_and_the_site_has_an_icon(phone, live_server, live_db):
    round_id = live_db(_results_round)
    requested = []
    phone.on("request", lambda request: requested.append(request.url))
    problems = watch_problems(phone)
    log_in(phone, live_server, "analista.inicio@example.org")
    phone.goto(f"{live_server}/results/rounds/{round_id}")
    expect(phone.locator("h1")).to_contain_text("Informe Alternativo 2026")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide"
    # Nor does a table hide columns past the edge of the screen (the heat map was 817 px wide).
    tables = phone.evaluate("[...document.querySelectorAll('main table')].map(t => t.getBoundingClientRect().right)")
    assert tables and max(tables) <= PHONE["width"], tables
    icon = phone.locator('link[rel="icon"]')
    assert phone.request.get(f"{live_server}{icon.get_attribute('href')}").ok
    assert not [url for url in requested if url.endswith("/favicon.ico")]
    assert problems == []


def _shown_numbers(page) -> list[str]:
    return page.locator(".question:visible .q-num").all_inner_texts()


@pytest.mark.parametrize("has_js", [True, False], ids=["js", "no-js"])
def test_question_numbers_run_without_gaps_over_the_questions_shown(browser, live_server, live_db, has_js):
    token = live_db(_invited)
    context = browser.new_context(viewport=PHONE, locale="es-PE", java_script_enabled=has_js)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/r/{token}/s/profile")
        # "Otra institución" (shown only for "other") sits second: the questions after it used to say 3, 4…
        assert _shown_numbers(page) == ["1.", "2.", "3.", "4.", "5."]
        page.check('[name="institution"][value="other"]')
        if has_js:
            expect(page.locator("#q-institution_other")).to_be_visible()
        else:
            with page.expect_navigation():
                page.get_by_role("button", name="Guardar y continuar").click()
            assert "/s/profile" in page.url
        assert _shown_numbers(page) == ["1.", "2.", "3.", "4.", "5.", "6."]
        assert page.locator("#q-institution_other-block .q-num").inner_text() == "2."
        page.check('[name="institution"][value="mininter"]')
        if not has_js:
            with page.expect_navigation():
                page.get_by_role("button", name="Guardar y continuar").click()
            page.goto(f"{live_server}/r/{token}/s/profile")
        assert _shown_numbers(page) == ["1.", "2.", "3.", "4.", "5."]
        # The next page goes on from the last number shown before it.
        page.goto(f"{live_server}/r/{token}/s/governance")
        assert _shown_numbers(page)[:3] == ["6.", "7.", "8."]
    finally:
        context.close()
