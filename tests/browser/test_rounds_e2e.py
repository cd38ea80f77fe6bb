"""End to end in headless Chromium: an editor creates a round, uploads officials (report, confirm),
opens the round and follows its progress; every staff page passes axe-core and the CSP."""
from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from tests.browser.support import log_in, watch_problems
from tests.factories import make_user, publish_document

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"

OFFICIALS = (
    "nombre;correo;institución;región;cargo\n"
    "Ana Quispe;ana@mininter.gob.pe;MININTER;Cusco;Directora\n"
    "<script>alert(1)</script>;no-es-correo;Ministerio de la Magia;Cusco;\n"
    "José Núñez;jose@mpfn.gob.pe;Ministerio Público;Junín;Fiscal\n"
)


def _axe_violations(page) -> list[str]:
    # Evaluated rather than added as a <script> tag, so the CSP stays on.
    page.evaluate(AXE_JS.read_text("utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def test_an_editor_runs_a_round_from_creation_to_progress(page, live_server, live_db, tmp_path):
    live_db(lambda: make_user("editor", email="rondas@example.org"))
    live_db(lambda: publish_document().id)
    problems = watch_problems(page)

    log_in(page, live_server, "rondas@example.org")

    page.goto(f"{live_server}/rounds/")
    assert _axe_violations(page) == []
    page.get_by_role("link", name="Nueva ronda").click()
    page.get_by_label("Título").fill("Informe Alternativo 2030")
    page.get_by_label("Propósito").fill("Conocer cómo se aplica la Ley 28950 en su institución.")
    page.get_by_label("Apertura (hora de Lima)").fill("2029-03-01T08:00")
    page.get_by_label("Cierre (hora de Lima)").fill("2031-04-30T18:00")
    page.get_by_label("Recordatorios: días antes del cierre").fill("14, 7, 2")
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".flash-success")).to_contain_text("Ronda creada como borrador")
    expect(page.locator(".facts")).to_contain_text("30/04/2031 18:00")
    assert _axe_violations(page) == []

    page.get_by_role("link", name="Subir lista de funcionarios").click()
    assert _axe_violations(page) == []
    csv_path = tmp_path / "funcionarios.csv"
    csv_path.write_bytes(OFFICIALS.encode("cp1252"))
    page.get_by_label("Lista de funcionarios (.xlsx o .csv)").set_input_files(str(csv_path))
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_role("heading", name="Revisión de la lista")).to_be_visible()
    expect(page.locator("main")).to_contain_text("2 filas aceptadas, 1 rechazada.")
    expect(page.locator("main")).to_contain_text("<script>alert(1)</script>")
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Invitar solo a las 2 filas aceptadas").click()
    expect(page.locator(".flash-success")).to_contain_text("2 personas invitadas")
    expect(page.locator("table")).to_contain_text("José Núñez")

    page.get_by_role("button", name="Abrir y enviar invitaciones").click()
    expect(page.locator(".flash-success")).to_contain_text("Ronda abierta")
    page.get_by_role("link", name="Avance").click()
    expect(page.locator("main")).to_contain_text("Respuestas enviadas: 0 de 2 personas invitadas.")
    assert _axe_violations(page) == []

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # wide tables scroll in their box
    assert problems == []
    assert re.search(r"/rounds/\d+/progress$", page.url)
