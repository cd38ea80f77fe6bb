"""Steps the browser tests share: logging in through the form, and collecting what goes wrong on a page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, live_server: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the app has let the user in."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).not_to_have_url(re.compile(r"/login"))  # what follows must not run on the login page


def watch_problems(page) -> list[str]:
    """A list that fills with the page's script errors, HTTP errors (4xx, 5xx) and dialogs."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    return problems
