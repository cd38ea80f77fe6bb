"""The ``survey`` command: Flask's CLI plus the product's own command groups."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from survey import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """CHS Alternativo survey platform."""


def register_commands(app: Flask) -> None:
    """Attach every command group to *app* (they then appear under ``survey``)."""
    from survey.commands import questionnaires, reference, setup, users

    app.cli.add_command(questionnaires.group)
    app.cli.add_command(reference.command)
    app.cli.add_command(users.group)
    app.cli.add_command(setup.command)
    from importlib import import_module
    from importlib.util import find_spec

    # Feature command modules: ``group`` objects added at the top level, ``attach(app)`` hooks.
    for name in ("survey.commands.rounds", "survey.commands.round_export", "survey.commands.round_reports",
                 "survey.commands.serve",
                 "survey.commands.audit", "survey.commands.backup", "survey.commands.roles",
                 "survey.commands.orgs", "survey.commands.people"):
        if find_spec(name) is None:
            continue
        module = import_module(name)
        if hasattr(module, "group"):
            app.cli.add_command(module.group)
        if hasattr(module, "attach"):
            module.attach(app)
