"""In headless Chromium: an analyst reads a round's results, requests a workbook, watches the progress
bar move without reloading (exports.js) and downloads the file; every page passes axe-core and the CSP."""
from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from survey.extensions import db
from survey.models import Export
from survey.services import exports as export_service
from tests.browser.support import log_in, watch_problems
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    make_user,
    publish_document,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"


def _axe_violations(page) -> list[str]:
    page.evaluate(AXE_JS.read_text("utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def _story() -> int:
    make_user("analyst", email="analista@example.org")
    round_ = make_round(publish_document(export_document()), title="Informe <i>2030</i>")
    for staff, region in ((3, "cusco"), (9, "puno")):
        invitation, _ = make_invitation(round_, institution="pnp", region=region)
        make_response(invitation, {"has_plan": staff > 5, "plan_status": "draft", "actions": ["a"], "staff": staff,
                                   "grid": {"r1": "yes", "r2": "no"}, "quality": 4, "notes": "=HYPERLINK(\"x\")"})
    make_invitation(round_, institution="mimp", region="loreto")
    return round_.id


def test_an_analyst_reads_results_and_downloads_the_workbook(page, live_app, live_server, live_db, tmp_path):
    live_app.extensions["celery"].conf.broker_url = "memory://"
    live_app.config["SURVEY_EXPORT_DIR"] = str(tmp_path / "exports")
    round_id = live_db(_story)
    problems = watch_problems(page)

    log_in(page, live_server, "analista@example.org")

    page.goto(f"{live_server}/results/rounds/{round_id}")
    expect(page.locator("h1")).to_contain_text("Informe <i>2030</i>")
    expect(page.locator("svg.chart-svg").first).to_be_visible()
    assert page.locator("td.heat-none").count() >= 2
    assert _axe_violations(page) == []

    page.get_by_role("link", name="Libro Excel").click()
    assert _axe_violations(page) == []
    page.get_by_label("Idioma del libro").select_option("en")
    page.get_by_role("button", name="Preparar el libro").click()
    expect(page.locator("#export-state")).to_contain_text("En cola")
    assert _axe_violations(page) == []

    def build() -> None:
        export = db.session.query(Export).one()
        export_service.run(export.id, checkpoint=db.session.commit)

    live_db(build)  # what the worker does; the open page notices through its JSON polling
    link = page.get_by_role("link", name="Descargar el libro")
    expect(link).to_be_visible(timeout=15_000)
    expect(page.locator("#export-bar")).to_have_attribute("value", "100")
    assert _axe_violations(page) == []
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "downloaded.xlsx"
    info.value.save_as(saved)
    wb = load_workbook(saved)
    assert wb.sheetnames[0] == "Summary" and wb["Responses"].max_row == 3
    assert problems == []
