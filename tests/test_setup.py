"""A new installation: one command migrates, loads reference data and a way in for the admin."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from survey.extensions import db
from survey.models import Institution, Region, User
from tests.conftest import BACKENDS, database_url, make_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=BACKENDS)
def fresh_app(request, tmp_path_factory):
    url = database_url(request.param, tmp_path_factory, label="setup")
    application = make_app(url, tmp_path_factory.mktemp("instance-setup"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_setup_twice_then_browse_the_reference_questionnaire(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["setup", "--admin-email", "admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "published pnat-officials version 1" in result.output
    password = re.search(r"password:\s+(\S+)", result.output).group(1)
    assert len(password) >= 12

    assert "lost it?     survey user set-password admin@example.org --generate" in result.output

    again = runner.invoke(args=["setup", "--admin-email", "admin@example.org"])
    assert again.exit_code == 0, again.output
    assert "password:" not in again.output and "published" not in again.output
    # A second bin/start names the admin and the one command that gives it a new password.
    assert "admin already set up: admin@example.org" in again.output
    assert "lost its password?    survey user set-password admin@example.org --generate" in again.output

    with fresh_app.app_context():
        assert db.session.query(Region).count() == 26
        assert db.session.query(Region).filter_by(is_focus=True).count() == 10
        assert db.session.query(Region).filter_by(ubigeo="1501").one().key == "lima_metropolitana"
        assert db.session.query(Region).filter_by(ubigeo="07").one().name_es == "Callao"
        assert db.session.query(Institution).count() == 18
        admin = db.session.query(User).one()
        assert admin.role == "admin" and admin.password_hash.startswith("$argon2id$")

    client = fresh_app.test_client()
    home = client.get("/")
    assert home.status_code == 200 and "/q/pnat-officials" in home.get_data(as_text=True)
    page = client.get("/q/pnat-officials").get_data(as_text=True)
    assert page.count('class="question') == 44
    assert "Gobernanza institucional" in page
    english = client.get("/q/pnat-officials?lang=en").get_data(as_text=True)
    assert "Institutional governance" in english and '<html lang="en">' in english


@pytest.mark.slow
def test_the_wheel_ships_templates_migrations_and_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "survey/_templates/base.html",
        "survey/_migrations/env.py",
        "survey/_migrations/alembic.ini",
        "survey/reference/regions.json",
        "questionnaires/definitions/pnat-officials.json",
        "survey/static/survey.css",
        "survey/translations/en/LC_MESSAGES/messages.mo",
    }
    assert expected <= names, expected - names
    assert any(n.startswith("survey/_migrations/versions/") and n.endswith(".py") for n in names)


def test_the_hints_name_the_command_as_it_was_called(monkeypatch, tmp_path):
    """After bin/start the command is .venv/bin/survey, which is not on PATH until the venv is activated."""
    from survey.commands.setup import program

    script = tmp_path / ".venv" / "bin" / "survey"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [".venv/bin/survey", "setup"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert program() == ".venv/bin/survey"
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert program() == "survey"
    monkeypatch.setattr(sys, "argv", ["pytest"])
    assert program() == "survey"
    # From another folder: the absolute path, not "../../.venv/bin/survey".
    elsewhere = tmp_path / "informes" / "2026"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(sys, "argv", [str(script), "setup"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert program() == str(script)
