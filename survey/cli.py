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
    try:
        from survey.commands import rounds
    except ImportError:  # pragma: no cover - until the rounds feature lands
        rounds = None
    if rounds is not None:
        app.cli.add_command(rounds.group)
