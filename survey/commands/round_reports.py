"""``survey round annex`` and ``survey round factsheets``: the writers' documents from the shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from survey.extensions import db
from survey.models import Round
from survey.services import audit
from survey.services.reference import match_region

OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)
LANG = click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
                    help="Language of the document.")


def _check_rounds(*round_ids: int | None) -> None:
    for wanted in round_ids:
        if wanted is not None and db.session.get(Round, wanted) is None:
            raise click.ClickException(f"round {wanted} does not exist (see `survey round list`)")


def _written(round_id: int, output: Path, kind: str, lang: str, rows: int, **details) -> None:
    # Like `round export`: the file leaves the application, so it is audited as a download.
    audit.record("export.download", db.session.get(Round, round_id), actor="cli", via="cli", kind=kind,
                 path=str(output.resolve()), lang=lang, rows=rows, **details)
    db.session.commit()
    click.echo(f"{output}: {rows} responses")


@click.command("annex")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option("-o", "--output", type=OUTPUT, required=True, help="Document to write (.docx or .pdf).")
@LANG
@click.option("--compare", "compare_id", type=int, metavar="ROUND2",
              help="The round to compare with (default: the previous round of the same questionnaire).")
@with_appcontext
def annex_command(round_id: int, output: Path, lang: str, compare_id: int | None) -> None:
    """Write the statistical annex of ROUND as Word (.docx) or, through LibreOffice, as PDF (.pdf)."""
    from survey.reports import annex

    _check_rounds(round_id, compare_id)
    if compare_id == round_id:
        raise click.ClickException("a round cannot be compared with itself")
    builders = {".docx": annex.build_docx, ".pdf": annex.build_pdf}
    build = builders.get(output.suffix.lower())
    if build is None:
        raise click.ClickException(f"{output}: the file name must end in .docx or .pdf")
    result = build(round_id, output, lang=lang, compare_round_id=compare_id)
    _written(round_id, output, f"annex_{output.suffix.lower()[1:]}", lang, result.rows, compare_round_id=compare_id)


@click.command("factsheets")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option("-o", "--output", type=OUTPUT, required=True, help="PDF to write.")
@click.option("--region", "region_code", metavar="UBIGEO", help="Only this region's page (UBIGEO code or name).")
@LANG
@with_appcontext
def factsheets_command(round_id: int, output: Path, region_code: str | None, lang: str) -> None:
    """Write the regional fact sheets of ROUND (one A4 page per region, against the national figures) as PDF."""
    from survey.reports import factsheets

    _check_rounds(round_id)
    if output.suffix.lower() != ".pdf":
        raise click.ClickException(f"{output}: the file name must end in .pdf")
    region = None
    if region_code is not None:
        region = match_region(region_code)
        if region is None:
            raise click.ClickException(f"region {region_code!r} does not exist (use its UBIGEO code or name)")
    result = factsheets.build(round_id, output, lang=lang, region_ids=[region.id] if region is not None else None)
    _written(round_id, output, "factsheets", lang, result.rows, sheet_region_id=region.id if region else None)


def attach(app: Flask) -> None:
    """Add ``annex`` and ``factsheets`` to the ``round`` command group (creating a bare group if there is none)."""
    group = app.cli.commands.get("round")
    if group is None:
        group = click.Group("round", help="Data-collection rounds.")
        app.cli.add_command(group)
    group.add_command(annex_command)
    group.add_command(factsheets_command)
