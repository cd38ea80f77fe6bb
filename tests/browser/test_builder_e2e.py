"""End to end in headless Chromium: log in, build a questionnaire with a show-if, preview, publish, v2, diff."""
from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"


def _axe_violations(page) -> list[str]:
    # add_script_tag would insert an inline script, which the CSP blocks; evaluating keeps the CSP on.
    page.evaluate(AXE_JS.read_text("utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def test_an_editor_builds_previews_publishes_and_revises(page, live_server, live_db):
    live_db(lambda: make_user("editor", email="editora@example.org"))

    page.goto(f"{live_server}/login")
    page.get_by_label("Correo electrónico").fill("editora@example.org")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(re.compile(r"/builder/$"))

    # Create the questionnaire; it starts with one section and one example question.
    page.get_by_role("link", name="Nuevo cuestionario").click()
    page.get_by_label("Clave", exact=True).fill("e2e-demo")
    page.locator("#f-title_es").fill("Cuestionario de prueba")
    page.locator("#f-title_en").fill("Test questionnaire")
    page.get_by_role("button", name="Crear cuestionario").click()
    expect(page.get_by_role("heading", name="Borrador de la versión 1")).to_be_visible()

    # Turn the example question into a yes/no question.
    page.get_by_role("link", name="Editar la pregunta pregunta_1").click()
    page.get_by_label("Tipo de pregunta").select_option("yes_no")
    page.get_by_label("Clave", exact=True).fill("tiene_oficina")
    page.locator("#f-text_es").fill("¿Tiene una oficina especializada?")
    page.locator("#f-text_en").fill("Do you have a specialised office?")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator(".flash-success")).to_contain_text("Pregunta guardada")

    # Add a text question shown only when the first answer is yes.
    page.get_by_label("Tipo de la nueva pregunta").select_option("text")
    page.get_by_role("button", name=re.compile("Añadir pregunta a")).click()
    page.get_by_label("Clave", exact=True).fill("oficina_nombre")
    page.locator("#f-text_es").fill("Nombre de la oficina")
    page.locator("#f-show_if_question").select_option("tiene_oficina")
    page.locator("#f-show_if_op").select_option("equals")
    page.locator("#f-show_if_value").fill("sí")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator("#question-oficina_nombre")).to_contain_text("se muestra si tiene_oficina = sí")

    # Preview: the conditional question follows the controlling answer live.
    page.get_by_role("link", name="Vista previa").first.click()
    conditional = page.locator("#q-oficina_nombre-block")
    expect(conditional).to_be_hidden()
    page.get_by_label("Sí").check()
    expect(conditional).to_be_visible()
    page.get_by_label("No", exact=True).check()
    expect(conditional).to_be_hidden()
    assert _axe_violations(page) == []
    page.get_by_role("link", name="View in English").click()
    expect(page.get_by_text("Do you have a specialised office?")).to_be_visible()
    page.get_by_role("link", name="Ver en español").click()

    # Publish version 1, then start version 2 and change a question.
    page.goto(f"{live_server}/builder/e2e-demo/publish")
    expect(page.get_by_text("Es la primera versión")).to_be_visible()
    page.get_by_role("button", name="Publicar versión 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Versión 1 publicada")
    page.get_by_role("button", name="Crear nueva versión").click()
    expect(page.get_by_role("heading", name="Borrador de la versión 2")).to_be_visible()
    page.get_by_role("link", name="Editar la pregunta oficina_nombre").click()
    page.locator("#f-text_es").fill("Nombre completo de la oficina")
    page.get_by_role("button", name="Guardar pregunta").click()

    page.get_by_role("link", name="Revisar y publicar").click()
    expect(page.get_by_role("heading", name="Cambios respecto de la versión publicada 1")).to_be_visible()
    changed = page.locator('li.diff-changed[data-key="oficina_nombre"]')
    expect(changed).to_contain_text("Nombre de la oficina")
    expect(changed).to_contain_text("Nombre completo de la oficina")
