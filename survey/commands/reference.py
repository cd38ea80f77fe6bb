"""``survey reference load``: regions and institutions."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.extensions import db
from survey.services.reference import load_reference


@click.command("load-reference")
@with_appcontext
def command() -> None:
    """Load Peru's regions (INEI UBIGEO) and the institutions; safe to run again."""
    regions, institutions = load_reference()
    db.session.commit()
    click.echo(f"{regions} regions, {institutions} institutions")
