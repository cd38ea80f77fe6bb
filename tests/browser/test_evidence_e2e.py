"""Supporting documents in Chromium with scripts on: a page with file inputs still restores the
answers typed while offline (the file inputs are skipped: a browser cannot be given a file by a script)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey.extensions import db
from tests.evidence_support import evidence_document
from tests.factories import make_invitation, make_round, publish_document

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_answers_typed_offline_come_back_on_a_page_with_file_inputs(browser, live_server, live_app):
    with live_app.app_context():
        _, token = make_invitation(make_round(publish_document(evidence_document())), region="cusco")
        db.session.commit()
        db.session.remove()
    context = browser.new_context(locale="es-PE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server}/r/{token}/s/gov")
        expect(page.locator('[name="evidence_file__has_plan"]')).to_be_attached()
        context.set_offline(True)
        page.fill('[name="budget"]', "150000")
        expect(page.locator("#save-status")).to_contain_text("Sin conexión", timeout=10_000)
        # The tab is closed while offline, so the copy in the browser is all there is (back online,
        # the open page would save it at once and the test would race that save). A new tab, not a
        # reload: Chromium refills a reloaded form by itself, whatever the script does.
        page.close()
        context.set_offline(False)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server}/r/{token}/s/gov")
        expect(page.locator('[name="budget"]')).to_have_value("150000")
        expect(page.locator('[name="evidence_file__has_plan"]')).to_have_value("")
        assert errors == []
    finally:
        context.close()
