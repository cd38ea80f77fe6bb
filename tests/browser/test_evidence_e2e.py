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



def test_enter_on_the_query_page_sends_the_reply_and_keeps_the_documents(browser, live_server, live_app, tmp_path):
    # One form on the query page: Enter in the number must press the hidden "send" button placed first,
    # never the "Quitar" of the document listed above it.
    from survey.models import Evidence
    from survey.models._types import utcnow
    from survey.verification import decisions
    from tests.evidence_support import pdf_bytes

    with live_app.app_context():
        invitation, token = make_invitation(make_round(publish_document(evidence_document())), region="cusco")
        db.session.commit()
        invitation_id = invitation.id
        db.session.remove()
    sheet = tmp_path / "presupuesto.pdf"
    sheet.write_bytes(pdf_bytes("Presupuesto 2026"))
    context = browser.new_context(locale="es-PE", java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/r/{token}/s/gov")
        page.check('[name="has_plan"][value="false"]')
        page.fill('[name="budget"]', "150000")
        page.set_input_files('[name="evidence_file__budget"]', str(sheet))
        page.locator("#q-budget-evidence").get_by_role("button", name="Adjuntar", exact=True).click()
        expect(page.get_by_role("button", name="Quitar presupuesto.pdf")).to_be_visible()
        with live_app.app_context():
            from survey.models import Invitation

            response = db.session.get(Invitation, invitation_id).response
            response.submitted_at = utcnow()
            decisions.ask(response, "budget", "¿El presupuesto es 150 000 o 15 000?", user=None)
            db.session.commit()
            db.session.remove()
        page.goto(f"{live_server}/r/{token}/questions/budget")
        expect(page.get_by_role("button", name="Quitar presupuesto.pdf")).to_be_visible()
        page.fill('[name="_note"]', "Eran 15 000; corrijo.")
        page.fill('[name="budget"]', "15000")
        page.press('[name="budget"]', "Enter")
        expect(page.get_by_text("Registramos su corrección")).to_be_visible()
        expect(page.get_by_role("button", name="Quitar presupuesto.pdf")).to_have_count(0)  # closed: final
        with live_app.app_context():
            files = db.session.scalars(db.select(Evidence).where(Evidence.removed_at.is_(None))).all()
            assert [item.original_name for item in files] == ["presupuesto.pdf"]
            db.session.remove()
    finally:
        context.close()
