"""``survey questionnaire``: import, export, list, show, publish and diff versions."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

import questionnaires
from questionnaires.safe_input import InputLimitError, read_file
from survey.builder import editing
from survey.extensions import db
from survey.services import audit, input_limits
from survey.services import definitions as defs
from survey.services import questionnaires as qs

group = AppGroup("questionnaire", help="Manage questionnaires and their versions.")


def _get(key: str):
    questionnaire = qs.get(key)
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire with key {key!r}")
    return questionnaire


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", "publish_now", is_flag=True, help="Publish the imported draft at once.")
def import_command(file: Path, publish_now: bool) -> None:
    """Import FILE (.json, .yaml, .xlsx XLSForm): a new questionnaire or a new draft."""
    try:
        fmt = defs.format_of(file.name)
        document = defs.read_definition(read_file(file), fmt)
        version = qs.import_document(document)
        if publish_now:
            qs.publish(version.questionnaire)
        audit.record("questionnaire.import", version, actor="cli", file=file.name, number=version.number)
    except InputLimitError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: nothing was imported.\n{input_limits.describe(exc)}") from None
    except (questionnaires.DefinitionError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: nothing was imported.\n{exc}") from None
    db.session.commit()
    state = "published" if version.is_published else "draft"
    click.echo(f"{version.questionnaire.key} version {version.number} ({state})")


@group.command("export")
@click.argument("key")
@click.option("--version", "number", type=int, help="Version number (default: latest published).")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml", "xlsform"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(key: str, number: int | None, fmt: str, output: Path) -> None:
    """Write a version of questionnaire KEY to a file."""
    questionnaire = _get(key)
    try:
        version = qs.get_version(questionnaire, number)
    except qs.VersionError as exc:
        raise click.ClickException(str(exc)) from None
    data = defs.write_definition(version.document, fmt)
    # Write next to the target then rename, so a failure leaves no half-written file.
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".export-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, output)
    audit.record("questionnaire.export", version, actor="cli", format=fmt)
    db.session.commit()
    click.echo(f"{key} version {version.number} written to {output}")


@group.command("list")
def list_command() -> None:
    """List questionnaires with their versions."""
    for questionnaire in qs.list_all():
        parts = []
        for version in questionnaire.versions:
            parts.append(f"v{version.number}{'' if version.is_published else ' (draft)'}")
        click.echo(f"{questionnaire.key}\t{', '.join(parts)}")


@group.command("show")
@click.argument("key")
@click.option("--version", "number", type=int)
@click.option("--lang", type=click.Choice(["es", "en"]), default="es")
def show_command(key: str, number: int | None, lang: str) -> None:
    """Print the outline of a version: sections, axes and questions."""
    questionnaire = _get(key)
    try:
        version = qs.get_version(questionnaire, number)
    except qs.VersionError as exc:
        raise click.ClickException(str(exc)) from None
    q = version.load()
    state = f"published {version.published_at:%Y-%m-%d %H:%M} UTC" if version.is_published else "draft"
    click.echo(f"{q.key} v{version.number} ({state}) — {q.title.get(lang)}")
    click.echo(f"framework: {q.framework.key}")
    for section in q.sections:
        axis = section.axis or "-"
        click.echo(f"\n[{section.key}] {section.title.get(lang)}  (axis: {axis})")
        for question in section.questions:
            flags = "*" if question.required else " "
            score = f" score×{question.score.weight:g}" if question.score else ""
            cond = f" if {question.show_if.describe(lang)}" if question.show_if else ""
            click.echo(f"  {flags} {question.key} <{question.type}>{score}{cond}")


@group.command("publish")
@click.argument("key")
def publish_command(key: str) -> None:
    """Publish the draft of KEY; it can never change afterwards."""
    questionnaire = _get(key)
    draft = questionnaire.draft
    placeholders = editing.placeholder_keys(draft.document) if draft is not None else []
    if placeholders:
        # The builder refuses the same: an example question would reach officials as "Nueva pregunta".
        raise click.ClickException(f"the draft still holds example questions: {', '.join(placeholders)}; "
                                   "write them or delete them before publishing")
    try:
        version = qs.publish(questionnaire)
    except (qs.VersionError, questionnaires.DefinitionError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    audit.record("questionnaire.publish", version, actor="cli", number=version.number)
    db.session.commit()
    click.echo(f"{key} version {version.number} published")


@group.command("draft")
@click.argument("key")
def draft_command(key: str) -> None:
    """Start a new draft of KEY copied from its latest version."""
    questionnaire = _get(key)
    version = qs.start_draft(questionnaire)
    db.session.commit()
    click.echo(f"{key} version {version.number} (draft)")


@group.command("diff")
@click.argument("key")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--lang", type=click.Choice(["es", "en"]), default="es")
def diff_command(key: str, a: int, b: int, lang: str) -> None:
    """Show what changed from version A to version B, by question key."""
    questionnaire = _get(key)
    try:
        result = qs.diff_versions(questionnaire, a, b)
    except qs.VersionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.as_text(lang) if not result.is_empty else "no differences")
