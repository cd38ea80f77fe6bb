"""``survey round export``: the round's workbook from the shell, with a progress bar."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from survey.extensions import db
from survey.models import Round
from survey.services import audit
from survey.workbook.builder import build


@click.command("export")
@click.argument("round_id", metavar="ROUND", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="Workbook to write (.xlsx).")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
              help="Language of sheet names, headers and labels.")
@click.option("--compare", "compare_id", type=int, metavar="ROUND2", help="Add a Comparativo sheet with this round.")
@click.option("--verified-only", "is_verified_only", is_flag=True,
              help="Figures and indices from the answers staff verified only (the answers sheets list every answer).")
@with_appcontext
def export_command(round_id: int, output: Path, lang: str, compare_id: int | None, is_verified_only: bool) -> None:
    """Write the consolidated workbook of ROUND to a file."""
    for wanted in (round_id, compare_id):
        if wanted is not None and db.session.get(Round, wanted) is None:
            raise click.ClickException(f"round {wanted} does not exist (see `survey round list`)")
    if compare_id == round_id:
        raise click.ClickException("a round cannot be compared with itself")
    if output.suffix.lower() != ".xlsx":
        raise click.ClickException(f"{output}: the file name must end in .xlsx")
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Respuestas" if lang == "es" else "Responses",
                                    show_pos=True, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        # Ends the read transaction between pages: SQLite writers (submissions) are not kept waiting.
        db.session.commit()

    try:
        result = build(round_id, output, lang=lang, compare_round_id=compare_id, progress=progress,
                       is_verified_only=is_verified_only)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    audit.record("export.download", db.session.get(Round, round_id), actor="cli", via="cli",
                 path=str(output.resolve()), lang=lang, compare_round_id=compare_id, rows=result.rows,
                 is_verified_only=is_verified_only)
    db.session.commit()
    click.echo(f"{result.path}: {result.rows} responses, sheets: {', '.join(result.sheets)}")


def attach(app: Flask) -> None:
    """Add ``export`` to the ``round`` command group (creating a bare group if there is none)."""
    group = app.cli.commands.get("round")
    if group is None:
        group = click.Group("round", help="Data-collection rounds.")
        app.cli.add_command(group)
    group.add_command(export_command)
