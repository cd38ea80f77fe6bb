"""In headless Chromium on a 360 px phone screen: the public scorecard reads without JavaScript, its charts
load as images from their stable URLs, nothing is wider than the screen, and it passes axe-core."""
from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from survey.publication import services
from tests.browser.support import watch_problems
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
PHONE = {"width": 360, "height": 740}


def _published() -> int:
    round_ = make_round(publish_document(export_document()), title="Ronda pública 2026")
    for region, count in (("cusco", 4), ("lima", 3), ("puno", 1)):
        for _ in range(count):
            invitation, _token = make_invitation(round_, region=region)
            make_response(invitation, {"has_plan": region != "puno", "plan_status": "approved", "actions": ["a"],
                                       "staff": 6, "quality": 4, "grid": {"r1": "yes", "r2": "no"}})
    services.publish(round_, None, k=3, is_naming_organisations=False)
    return round_.id


def test_the_public_scorecard_on_a_phone_without_javascript(browser, live_server, live_db):
    round_id = live_db(_published)
    url = f"{live_server}/p/{round_id}/"
    quiet = browser.new_context(locale="es-PE", viewport=PHONE, java_script_enabled=False)
    try:
        page = quiet.new_page()
        problems = watch_problems(page)
        page.goto(url)
        expect(page.locator("h1")).to_contain_text("Ronda pública 2026")
        expect(page.get_by_role("row", name="Puno suprimido suprimido")).to_be_visible()
        images = page.locator("img.chart-svg")
        assert images.count() >= 3
        images.first.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("link", name="English").click()
        expect(page.locator("h1")).to_contain_text("Public results")
        assert problems == []
    finally:
        quiet.close()
    checked = browser.new_context(locale="es-PE", viewport=PHONE)
    try:
        page = checked.new_page()
        page.goto(url)
        page.evaluate(AXE_JS.read_text("utf-8"))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        assert [f"{v['id']}: {v['help']}" for v in result["violations"]] == []
    finally:
        checked.close()
