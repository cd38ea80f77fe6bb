"""``survey user``: staff accounts from the shell (the first admin starts here)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from survey.extensions import db
from survey.models.users import ROLES
from survey.services import audit, users

group = AppGroup("user", help="Manage staff accounts.")


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff account with e-mail EMAIL."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create(email, password, role, name)
    except users.UserError as exc:
        db.session.rollback()
        # The message is translated lazily; outside a request no locale is selected.
        with force_locale("es"):
            raise click.ClickException(str(exc)) from None
    audit.record("user.create", user, actor="cli", role=role)
    db.session.commit()
    click.echo(f"created {role} {user.email}")
