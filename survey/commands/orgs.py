"""``survey org``: the registry of organisations from the shell (import a list, list what is there)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import g
from flask.cli import AppGroup

from survey.extensions import db
from survey.models import Region
from survey.models.organisations import KINDS
from survey.services import organisation_import, organisations
from survey.services.official_list import ListError
from survey.services.reference import region_candidates

group = AppGroup("org", help="Manage the registry of organisations (State bodies and civil society).")


def _region(value: str | None) -> Region | None:
    if not value:
        return None
    candidates = region_candidates(value)
    if len(candidates) != 1:
        names = ", ".join(f"{region.name_es} ({region.ubigeo})" for region in candidates) or "none"
        raise click.BadParameter(f"{value!r} matches {names}: give the UBIGEO code", param_hint="--region")
    return candidates[0]


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Register the organisations listed in FILE (.xlsx or .csv); all or nothing."""
    g.survey_locale = "es"  # row messages are Spanish msgids; outside a request the locale is set by hand
    try:
        report = organisation_import.check(file.name, file.read_bytes())
    except ListError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    click.echo(f"{len(report.accepted)} rows accepted, {len(report.rejected)} rejected")
    for row in report.rejected:
        click.echo(f"  fila {row.row}: {' '.join(row.problems)}")
    if report.rejected:
        raise click.ClickException("nothing was saved")
    if dry_run:
        click.echo("dry run: nothing was saved")
        return
    created = organisation_import.save(report, source=file.name)
    db.session.commit()
    click.echo(f"{len(created)} organisations registered")


@group.command("list")
@click.option("--region", help="UBIGEO code or name of a region.")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--search", "query", default="", help="Part of a name, a former name or an acronym.")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated and merged organisations.")
def list_command(region: str | None, kind: str | None, query: str, include_inactive: bool) -> None:
    """List organisations: id, kind, acronym, regions, name (tab-separated)."""
    statement = organisations.search(query, region=_region(region), kind=kind, include_inactive=include_inactive)
    count = 0
    for organisation in db.session.scalars(statement):
        regions = ",".join(r.ubigeo for r in organisation.regions) or "-"
        state = "" if organisation.is_active else "\t(inactive)"
        click.echo(f"{organisation.id}\t{organisation.kind}\t{organisation.acronym or '-'}\t{regions}\t"
                   f"{organisation.name}{state}")
        count += 1
    click.echo(f"{count} organisations", err=True)
