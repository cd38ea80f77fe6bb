"""``survey user``: staff accounts from the shell (the first admin starts here, a lost password ends here)."""
from __future__ import annotations

import secrets
import sys
from datetime import datetime

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from survey.extensions import db
from survey.models.users import ROLES
from survey.services import audit, users

group = AppGroup("user", help="Manage staff accounts.")

#: length in bytes of a generated one-time password (16 URL-safe characters)
GENERATED_BYTES = 12


def generate_password() -> str:
    """A one-time password for an admin to pass on; its holder must replace it at first login."""
    return secrets.token_urlsafe(GENERATED_BYTES)


def _refused(exc: users.UserError) -> click.ClickException:
    db.session.rollback()
    # The message is translated lazily; outside a request no locale is selected.
    with force_locale("es"):
        return click.ClickException(str(exc))


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff account with e-mail EMAIL."""
    try:
        user = users.create(email, _read_password(password_stdin), role, name)
    except users.UserError as exc:
        raise _refused(exc) from None
    audit.record("user.create", user, actor="cli", role=role)
    db.session.commit()
    click.echo(f"created {role} {user.email}")


@group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.option("--generate", is_flag=True,
              help="Print a one-time password; its holder must choose their own at next login.")
def set_password_command(email: str, password_stdin: bool, generate: bool) -> None:
    """Give the account EMAIL a new password and end its sessions (a lost admin password, say)."""
    if password_stdin and generate:
        raise click.UsageError("use --password-stdin or --generate, not both")
    user = users.find(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail {email.strip()} (see `survey user list`)")
    password = generate_password() if generate else _read_password(password_stdin)
    try:
        users.set_password(user, password, is_temporary=generate)
    except users.UserError as exc:
        raise _refused(exc) from None
    audit.record("user.password", user, actor="cli", by="cli", generated=generate or None)
    db.session.commit()
    click.echo(f"new password set for {user.email}; their sessions have ended")
    if generate:
        click.echo(f"  one-time password: {password}   (shown once; to be replaced at the next login)")
    if not user.is_enabled:
        click.echo("  the account is deactivated: an admin can reactivate it under Usuarios")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


@group.command("list")
def list_command() -> None:
    """Every staff account: e-mail, role, whether it is active, last login (active ones first)."""
    rows = [("email", "role", "active", "last login")]
    rows += [(user.email, user.role, "yes" if user.is_enabled else "no", _when(user.last_login_at))
             for user in users.list_all()]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
