"""In headless Chromium: an admin logs in, creates an account, reads the audit log, logs out.

Every page passes axe-core, nothing typed runs as script, and the CSP reports no violation.
"""
from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
HOSTILE_NAME = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def axe_violations(page) -> list[str]:
    # add_script_tag would insert an inline script, which the CSP blocks; evaluating keeps the CSP on.
    page.evaluate(AXE_JS.read_text("utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def test_admin_manages_accounts_in_the_browser(page, live_server, live_db):
    live_db(lambda: make_user("admin", email="admin-e2e@example.org"))
    dialogs, console_errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # A 400 form answer or the missing favicon is logged as "Failed to load resource": not a fault.
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and console_errors.append(message.text))

    page.goto(f"{live_server}/admin/users")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Fusers"))
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []
    page.get_by_label("Correo electrónico").fill("admin-e2e@example.org")
    page.get_by_label("Contraseña", exact=True).fill("not the password")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("alert")).to_contain_text("Correo o contraseña incorrectos.")
    assert axe_violations(page) == []
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    assert axe_violations(page) == []

    page.get_by_role("link", name="Crear usuario").click()
    assert axe_violations(page) == []
    page.get_by_label("Correo electrónico").fill("no es un correo")
    page.get_by_role("button", name="Crear usuario").click()
    expect(page.locator(".error-summary")).to_contain_text("Correo electrónico no válido")
    assert axe_violations(page) == []
    page.get_by_label("Correo electrónico").fill("analista-e2e@example.org")
    page.get_by_label("Nombre").fill(HOSTILE_NAME)
    page.get_by_label("Rol").select_option("analyst")
    page.get_by_label("Contraseña temporal").fill("a temporary secret")
    page.get_by_role("button", name="Crear usuario").click()
    expect(page.locator(".flash-success")).to_contain_text("analista-e2e@example.org")
    expect(page.locator(".facts")).to_contain_text(HOSTILE_NAME)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Desactivar cuenta").click()
    expect(page.get_by_role("button", name="Reactivar cuenta")).to_be_visible()
    page.get_by_role("link", name="Volver a usuarios").click()
    expect(page.get_by_role("cell", name=HOSTILE_NAME)).to_be_visible()

    page.get_by_role("link", name="Auditoría").first.click()
    assert axe_violations(page) == []
    page.get_by_label("Acción").select_option("user.*")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("user.deactivate")

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.go_back()
    page.reload()
    expect(page).to_have_url(re.compile(r"/login\?next="))

    assert dialogs == []
    assert console_errors == []
