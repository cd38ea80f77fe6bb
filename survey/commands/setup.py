"""``survey setup``: a ready-to-use database in one step."""
from __future__ import annotations

import json
import os
import shutil
import sys

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

import questionnaires
from survey.commands.users import generate_password
from survey.extensions import db
from survey.models import User
from survey.services import audit, users
from survey.services import questionnaires as qs
from survey.services.reference import load_reference


def program() -> str:
    """How to call ``survey`` again from here: ``.venv/bin/survey`` after bin/start, unless it is on PATH."""
    invoked = sys.argv[0]
    if os.path.basename(invoked) != "survey" or shutil.which("survey") == os.path.abspath(invoked):
        return "survey"
    relative = os.path.relpath(invoked)
    # Called from another folder: the absolute path reads better than a climb of "../".
    return os.path.abspath(invoked) if relative.startswith(os.pardir) else relative


@click.command("setup")
@with_appcontext
@click.option("--admin-email", default=None, help="Create this first admin if there is no admin yet.")
def command(admin_email: str | None) -> None:
    """Migrate the database, load reference data, publish the reference questionnaire.

    With --admin-email and no admin yet, create one and print its one-time password; with an
    admin already there, say who and how to give them a new password. Safe to run again:
    existing data is kept.
    """
    upgrade()
    regions, institutions = load_reference()
    document = json.loads(questionnaires.reference_definition_path().read_text("utf-8"))
    if qs.get(document["key"]) is None:
        version = qs.import_document(document)
        qs.publish(version.questionnaire)
        audit.record("questionnaire.publish", version, actor="setup", number=version.number)
        click.echo(f"published {document['key']} version {version.number}")
    click.echo(f"reference data: {regions} regions, {institutions} institutions")
    admins = list(db.session.scalars(
        select(User.email).where(User.role == "admin").order_by(User.is_enabled.desc(), User.id)))
    if admin_email and not admins:
        password = generate_password()
        user = users.create(admin_email, password, "admin", name="Admin", is_temporary=True)
        audit.record("user.create", user, actor="setup", role="admin")
        click.echo("")
        click.echo(f"  first admin: {user.email}")
        click.echo(f"  password:    {password}   (shown once; you will choose your own at first login)")
        click.echo(f"  lost it?     {program()} user set-password {user.email} --generate")
        click.echo("")
    elif admin_email:
        click.echo("")
        click.echo(f"  admin already set up: {', '.join(admins)}")
        click.echo(f"  lost its password?    {program()} user set-password {admins[0]} --generate")
        click.echo("")
    db.session.commit()
