"""The README tells a newcomer how to choose the address, that bin/start can be run again, and the one
command that gets a lost admin back in; that command is run here exactly as written."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from survey.services import users
from tests.factories import make_user, use_fast_password_hashing

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
TWO_COMMANDS = README.split("## The two commands", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    return use_fast_password_hashing(monkeypatch)


def test_the_address_settings_are_documented_and_are_the_ones_bin_start_reads():
    start = (ROOT / "bin" / "start").read_text("utf-8")
    for name in ("SURVEY_HOST", "SURVEY_PORT"):
        assert f"`{name}`" in TWO_COMMANDS and f"${{{name}:-" in start
    assert "Run `bin/start` again" in TWO_COMMANDS


def test_the_documented_password_reset_works_as_written(runner, db_session):
    [command] = re.findall(r"^\.venv/bin/survey (user set-password .+)$", TWO_COMMANDS, re.MULTILINE)
    make_user("admin", "admin@example.org")

    result = runner.invoke(args=shlex.split(command))

    assert result.exit_code == 0, result.output
    one_time = re.search(r"one-time password: (\S+)", result.output).group(1)
    assert users.authenticate("admin@example.org", one_time).is_success
    assert users.find("admin@example.org").has_temporary_password
