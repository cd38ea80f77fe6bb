"""``survey setup``: a ready-to-use database in one step."""
from __future__ import annotations

import json

import click
from flask_migrate import upgrade

import questionnaires
from survey.extensions import db
from survey.services import questionnaires as qs
from survey.services.reference import load_reference


@click.command("setup")
def command() -> None:
    """Migrate the database, load reference data and publish the reference questionnaire.

    Safe to run again: existing data is kept.
    """
    upgrade()
    regions, institutions = load_reference()
    document = json.loads(questionnaires.reference_definition_path().read_text("utf-8"))
    questionnaire = qs.get(document["key"])
    if questionnaire is None:
        version = qs.import_document(document)
        qs.publish(version.questionnaire)
        click.echo(f"published {document['key']} version {version.number}")
    db.session.commit()
    click.echo(f"reference data: {regions} regions, {institutions} institutions")
