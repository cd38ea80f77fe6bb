"""``survey person``: everything held about one invited person, and its erasure (Ley 29733)."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import g
from flask.cli import AppGroup

from survey.extensions import db
from survey.models import Invitation
from survey.services import personal_data

group = AppGroup("person", help="Personal data of an invited person: export it, erase it.")


@group.command("export")
@click.argument("email")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.zip (datos.json and the stored e-mails as .eml) or FILE.json (the JSON alone).")
def export_command(email: str, output: Path) -> None:
    """Write everything held about EMAIL (its invitations in every round) to FILE; audited."""
    g.survey_locale = "es"
    invitations = personal_data.invitations_of(email)
    try:
        data = personal_data.export(invitations, as_zip=output.suffix.lower() != ".json")
    except personal_data.PersonalDataError as exc:
        raise click.ClickException(str(exc)) from None
    # Personal data: readable by its owner only, and FILE appears only once complete.
    partial = output.with_name(output.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(partial, output)
    db.session.commit()
    click.echo(f"{len(invitations)} invitations written to {output} ({len(data)} bytes)")


@group.command("erase")
@click.argument("invitation_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(invitation_id: int, yes: bool) -> None:
    """Erase the person of INVITATION_ID once its round's retention period is over; audited."""
    g.survey_locale = "es"
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise click.ClickException(f"no invitation {invitation_id}")
    if not yes:
        click.confirm(f"Erase the name, e-mail, position and free-text answers of invitation {invitation_id} "
                      f"(round {invitation.round_id})? This cannot be undone", abort=True)
    try:
        done = personal_data.erase(invitation)
    except personal_data.PersonalDataError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"invitation {invitation_id}: " + ("personal data erased" if done else "already erased"))
