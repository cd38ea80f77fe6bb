"""Production rehearsal: the README's Production section run as written, then a whole round in Chromium.

nginx (Debian's) terminates TLS with a self-signed certificate in front of gunicorn; PostgreSQL with an
owner role and an app role; a redis-server with a password; a separate Celery worker and beat; an
aiosmtpd server. Every command and the nginx block come from the README (tests/production/readme.py),
with private ports and names. Chromium then goes through the journey over HTTPS: the first admin's
forced password change, an editor account, a questionnaire built and published, a round, the officials'
list, the invitations by SMTP, two officials answering (one without JavaScript), results and workbook.
Any CSRF refusal (issue 10: every HTTPS form failed) shows up as a 4xx on the page.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.support import log_in, watch_problems
from tests.production import readme
from tests.production.stack import (
    Inbox,
    Process,
    database,
    nginx_config,
    redis_server,
    self_signed_certificate,
    smtp_server,
    wait_for_https,
)
from tests.workers.harness import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]

VENV_BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "una frase larga y segura de 2026"
OFFICIALS = {"ana@mininter.gob.pe": "Ana Quispe", "jose@mpfn.gob.pe": "José Núñez"}
OFFICIALS_CSV = ("nombre;correo;institución;región;cargo\n"
                 "Ana Quispe;ana@mininter.gob.pe;MININTER;Cusco;Directora\n"
                 "José Núñez;jose@mpfn.gob.pe;Ministerio Público;Junín;Fiscal\n")


@dataclass
class Production:
    """What the rehearsal's stack offers the journey."""

    base: str
    inbox: Inbox
    admin_email: str
    admin_password: str
    processes: list[Process]


def _environment(tmp: Path, names: dict[str, str], redis_url: str, smtp_port: int, base: str) -> dict[str, str]:
    """The README's environment block, with this run's values for every variable it names."""
    values = {
        "SURVEY_ENV": "production", "SURVEY_PROXIES": "1", "SURVEY_BASE_URL": base,
        "SURVEY_DATABASE_URL": names["app_url"], "SURVEY_REDIS_URL": redis_url,
        "SURVEY_SECRET_KEY": secrets.token_urlsafe(48), "SURVEY_INSTANCE_PATH": str(tmp / "instance"),
        "SURVEY_SMTP_HOST": "127.0.0.1", "SURVEY_SMTP_PORT": str(smtp_port), "SURVEY_SMTP_TLS": "none",
        # aiosmtpd asks for no login: empty means none
        "SURVEY_SMTP_USER": "", "SURVEY_SMTP_PASSWORD": "",
    }
    environment_block = readme.blocks("sh")[0]
    assert sorted(readme.environment_names(environment_block)) == sorted(values), \
        "the README's environment changed: give the rehearsal a value for each variable"
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("SURVEY_")}
    # PYTHONPATH: the processes run the code of this checkout, whatever the venv has installed;
    # HOME: a service account's own (gunicorn keeps its control socket there)
    return inherited | values | {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
                                 "HOME": str(tmp)}


def _run_once_commands(env: dict[str, str], names: dict[str, str], cwd: Path) -> tuple[str, str]:
    """Run the once-per-release and first-install blocks as the owner; return the first admin's credentials."""
    _environment_block, release, first_install, *_ = readme.blocks("sh")
    script = readme.substitute(release + first_install, {
        "postgresql+psycopg://survey_owner@db/survey": names["owner_url"],
        "grant-app survey_app": f"grant-app {names['app']}",
    })
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    found = re.search(r"first admin: (\S+)\s+password:\s+(\S+)", done.stdout)
    assert found, done.stdout
    return found.group(1), found.group(2)


def _start_processes(env: dict[str, str], web_port: int, cwd: Path, stack: ExitStack) -> list[Process]:
    """The README's long-running processes (gunicorn with 2 workers, one celery worker, beat)."""
    block = readme.substitute(readme.blocks("sh")[3], {
        "-w 4": "-w 2", "127.0.0.1:8000": f"127.0.0.1:{web_port}", "worker -c 2": "worker -c 1"})
    processes = []
    for argv in readme.commands(block):
        name = "web" if argv[0] == "gunicorn" else argv[3]
        process = Process(name, argv, env, cwd, cwd)
        stack.callback(process.stop)
        processes.append(process)
    return processes


def _start_nginx(tmp: Path, https_port: int, web_port: int, stack: ExitStack) -> Process:
    """Debian's nginx with the README's server block, on a free port with a self-signed certificate."""
    cert, key = self_signed_certificate(tmp)
    server = readme.substitute(readme.blocks("nginx")[0], {
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "server_name encuestas.example.org;": "server_name 127.0.0.1;",
        "/etc/ssl/certs/encuestas.pem": str(cert), "/etc/ssl/private/encuestas.key": str(key),
        "http://127.0.0.1:8000": f"http://127.0.0.1:{web_port}",
    })
    config = nginx_config(tmp, server)
    process = Process("nginx", ["/usr/sbin/nginx", "-p", str(tmp), "-c", str(config), "-e", str(tmp / "error.log")],
                      dict(os.environ), tmp, tmp)
    stack.callback(process.stop)
    return process


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The whole production stack of the README, up and answering over HTTPS."""
    tmp = tmp_path_factory.mktemp("production")
    with ExitStack() as stack:
        names = stack.enter_context(database())
        redis_url = stack.enter_context(redis_server(tmp))
        inbox, smtp_port = stack.enter_context(smtp_server())
        https_port, web_port = free_port(), free_port()
        base = f"https://127.0.0.1:{https_port}"
        env = _environment(tmp, names, redis_url, smtp_port, base)
        admin_email, admin_password = _run_once_commands(env, names, tmp)
        processes = _start_processes(env, web_port, tmp, stack)
        processes.append(_start_nginx(tmp, https_port, web_port, stack))
        try:
            by_name = {process.name: process for process in processes}
            by_name["worker"].wait_for_log("ready.", timeout=60)
            by_name["beat"].wait_for_log("is starting.", timeout=60)
            wait_for_https(f"{base}/login")
            yield Production(base, inbox, admin_email, admin_password, processes)
        finally:
            for process in processes:  # shown when the test fails
                print(f"----- {process.name} -----\n{process.text()[-4000:]}")


def _new_page(browser, **options):
    context = browser.new_context(ignore_https_errors=True, locale="es-PE", accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return page, watch_problems(page)


def _change_password(page, current: str) -> None:
    """The forced change after a login with a password someone else chose."""
    expect(page).to_have_url(re.compile(r"/account/password$"))
    page.get_by_label("Contraseña actual", exact=True).fill(current)
    page.get_by_label("Nueva contraseña", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repita la nueva contraseña").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Cambiar contraseña").click()
    expect(page.locator(".flash-success")).to_contain_text("Contraseña cambiada")


def _text_of(message: Message) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _answer(browser, link: str, **options) -> None:
    """An official opens the link, answers the one question and submits."""
    page, problems = _new_page(browser, **options)
    page.goto(link)
    page.get_by_role("link", name="Comenzar").click()
    page.get_by_label("Sí").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar y revisar").click()
    expect(page.get_by_role("heading", name="Revise sus respuestas")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Respuestas recibidas")
    assert problems == [], options
    page.context.close()


def test_a_round_from_first_login_to_workbook_over_https(production, browser, tmp_path):
    base = production.base

    # The first admin (survey setup) logs in, must choose a password, and creates an editor.
    page, problems = _new_page(browser)
    log_in(page, base, production.admin_email, production.admin_password)
    _change_password(page, production.admin_password)
    page.goto(f"{base}/admin/users/new")
    page.get_by_label("Correo electrónico").fill("editora@chs.org.pe")
    page.get_by_label("Nombre").fill("Editora")
    page.get_by_label("Rol").select_option("editor")
    page.get_by_label("Contraseña temporal").fill("temporal y bastante larga")
    page.get_by_role("button", name="Crear usuario").click()
    expect(page.locator(".flash-success")).to_contain_text("editora@chs.org.pe")
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    # The editor builds and publishes a questionnaire.
    log_in(page, base, "editora@chs.org.pe", "temporal y bastante larga")
    _change_password(page, "temporal y bastante larga")
    page.goto(f"{base}/builder/new")
    page.get_by_label("Clave", exact=True).fill("ensayo")
    page.locator("#f-title_es").fill("Ensayo de producción")
    page.locator("#f-title_en").fill("Production rehearsal")
    page.get_by_role("button", name="Crear cuestionario").click()
    page.get_by_role("link", name="Editar la pregunta pregunta_1").click()
    page.get_by_label("Tipo de pregunta").select_option("yes_no")
    page.get_by_label("Clave", exact=True).fill("tiene_oficina")
    page.locator("#f-text_es").fill("¿Tiene una oficina especializada?")
    page.locator("#f-text_en").fill("Do you have a specialised office?")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator(".flash-success")).to_contain_text("Pregunta guardada")
    page.goto(f"{base}/builder/ensayo/publish")
    page.get_by_role("button", name="Publicar versión 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Versión 1 publicada")

    # A round on it, open since yesterday, with the list of two officials; opening it sends the invitations.
    lima_now = datetime.now(ZoneInfo("America/Lima"))
    page.goto(f"{base}/rounds/new")
    page.get_by_label("Título").fill("Ensayo 2026")
    page.get_by_label("Versión publicada del cuestionario").select_option(label="ensayo v1 — Ensayo de producción")
    page.get_by_label("Apertura (hora de Lima)").fill((lima_now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Cierre (hora de Lima)").fill((lima_now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".flash-success")).to_contain_text("Ronda creada como borrador")
    round_url = page.url
    page.get_by_role("link", name="Subir lista de funcionarios").click()
    officials = tmp_path / "funcionarios.csv"
    officials.write_text(OFFICIALS_CSV, "utf-8")
    page.get_by_label("Lista de funcionarios (.xlsx o .csv)").set_input_files(str(officials))
    page.get_by_role("button", name="Revisar el archivo").click()
    page.get_by_role("button", name=re.compile(r"^Confirmar e invitar a 2 ")).click()
    expect(page.locator(".flash-success")).to_contain_text(re.compile(r"^2 \w+ invitad"))
    page.goto(round_url)
    page.get_by_role("button", name="Abrir y enviar invitaciones").click()
    expect(page.locator(".flash-success")).to_contain_text("Ronda abierta")

    # The worker sends the invitations by SMTP; each official follows the link in the mail.
    links = {}
    for address in OFFICIALS:
        (invitation,) = production.inbox.wait_for(address)
        found = re.search(re.escape(base) + r"/r/[\w-]+/?", _text_of(invitation))
        assert found, _text_of(invitation)
        links[address] = found.group(0)
    _answer(browser, links["ana@mininter.gob.pe"])
    _answer(browser, links["jose@mpfn.gob.pe"], java_script_enabled=False)
    for address in OFFICIALS:
        production.inbox.wait_for(address, count=2)  # the receipt, sent by the worker

    # Results, and the workbook built by the worker and downloaded.
    round_id = re.search(r"/rounds/(\d+)", round_url).group(1)
    page.goto(f"{base}/results/rounds/{round_id}")
    # "2 of 2 invited have submitted", however the sentence is worded
    expect(page.locator("main p.muted").first).to_contain_text(re.compile(r"\b2\b[^.]*\b2\b"))
    page.get_by_role("link", name="Libro Excel").click()
    page.get_by_role("button", name="Preparar el libro").click()
    download_link = page.get_by_role("link", name="Descargar el libro")
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        download_link.click()
    workbook_path = tmp_path / "libro.xlsx"
    download.value.save_as(workbook_path)
    workbook = load_workbook(workbook_path)
    assert workbook["Respuestas"].max_row == 3, workbook.sheetnames  # a header and the two officials
    login_page = page.goto(f"{base}/login")
    assert login_page.headers["referrer-policy"] == "same-origin"
    assert "max-age" in login_page.headers["strict-transport-security"]  # the app saw https through nginx
    assert problems == []
    page.context.close()
