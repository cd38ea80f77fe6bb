"""``survey round``: create, list, open and close rounds, and invite officials from a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask import g

from survey.extensions import db
from survey.filters import lima_datetime
from survey.services import institutional, official_list
from survey.services import invitations as invitation_service
from survey.services import questionnaires as qs
from survey.services import rounds as round_service

group = click.Group("round", help="Manage data-collection rounds and their invited officials.")


def _speak_spanish() -> None:
    """Messages are Spanish msgids; outside a request the locale must be set by hand."""
    g.survey_locale = "es"


def _get(round_id: int):
    round_ = round_service.get(round_id)
    if round_ is None:
        raise click.ClickException(f"no round with id {round_id}")
    return round_


@group.command("create")
@click.option("--questionnaire", "key", required=True, help="Questionnaire key.")
@click.option("--version", "number", type=int, help="Published version number (default: the latest).")
@click.option("--title", required=True)
@click.option("--opens", required=True, help="Opening, ISO 8601; Lima time unless an offset is given.")
@click.option("--closes", required=True, help="Closing, ISO 8601; Lima time unless an offset is given.")
@click.option("--description", default="", help="Purpose shown to officials.")
@click.option("--minutes", "estimated_minutes", type=int, default=30, show_default=True,
              help="Minutes it takes to answer.")
@click.option("--allow-edit-after-submit", is_flag=True)
@click.option("--reminder-days", default="7, 2", show_default=True, help="Days before closing, e.g. '14, 7, 2'.")
@click.option("--per-organisation", "is_per_organisation", is_flag=True,
              help="One response per organisation, shared by its invited officials; its focal point submits.")
def create_command(key: str, number: int | None, title: str, opens: str, closes: str, description: str,
                   estimated_minutes: int, allow_edit_after_submit: bool, reminder_days: str,
                   is_per_organisation: bool) -> None:
    """Create a draft round and print its id."""
    _speak_spanish()
    questionnaire = qs.get(key)
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire with key {key!r}")
    try:
        version = qs.get_version(questionnaire, number)
        if not version.is_published:
            raise click.ClickException(f"{key} version {version.number} is not published")
        policy = dict(round_service.DEFAULT_POLICY, days_before_close=round_service.parse_days(reminder_days))
        round_ = round_service.create(
            version, title, opens, closes, description=description, estimated_minutes=estimated_minutes,
            allow_edit_after_submit=allow_edit_after_submit, reminder_policy=policy,
        )
        institutional.set_per_organisation(round_, is_per_organisation)
    except (qs.VersionError, round_service.RoundError, institutional.InstitutionalError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(round_.id)


@group.command("list")
def list_command() -> None:
    """List rounds: id, status, questionnaire version, dates (Lima time), invitations, title."""
    for round_ in round_service.list_all():
        click.echo("\t".join([
            str(round_.id), round_.status, f"{round_.questionnaire.key} v{round_.version.number}",
            f"{lima_datetime(round_.opens_at)} → {lima_datetime(round_.closes_at)}",
            f"{len(round_.invitations)} invited", round_.title,
        ]))


@group.command("open")
@click.argument("round_id", metavar="ROUND", type=int)
def open_command(round_id: int) -> None:
    """Open ROUND and queue the invitation e-mails."""
    _speak_spanish()
    round_ = _get(round_id)
    try:
        queued = round_service.open_round(round_)
    except round_service.RoundError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"round {round_.id} open; {queued} invitation e-mails queued")


@group.command("close")
@click.argument("round_id", metavar="ROUND", type=int)
def close_command(round_id: int) -> None:
    """Close ROUND: links stop accepting answers."""
    _speak_spanish()
    round_ = _get(round_id)
    try:
        round_service.close_round(round_)
    except round_service.RoundError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"round {round_.id} closed")


def echo_report(report: invitation_service.Report) -> None:
    """Print the accepted count and every rejected row with its reasons."""
    click.echo(f"{len(report.accepted)} accepted, {len(report.rejected)} rejected")
    if report.accepted:
        click.echo("accepted:")
    for checked in report.accepted:
        organisation = checked.organisation.name if checked.organisation else checked.new_organisation.name
        click.echo(f"  fila {checked.source.row}: {checked.source.name} <{checked.email}> "
                   f"{organisation}, {checked.region.name_es}")
    if report.to_create:
        click.echo("organisations to register:")
    for planned in report.to_create.values():
        click.echo(f"  {planned.name} ({planned.kind}, {planned.region.name_es})")
    if report.rejected:
        click.echo("rejected:")
    for rejection in report.rejected:
        reasons = " ".join(str(r.message) for r in rejection.reasons)
        click.echo(f"  fila {rejection.source.row}: {reasons}")


@group.command("invite")
@click.argument("round_id", metavar="ROUND", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Save the accepted rows even if some are rejected.")
@click.option("--create-orgs", is_flag=True,
              help="Register the organisations the list names that are not registered yet (listed first).")
def invite_command(round_id: int, file: Path, skip_invalid: bool, create_orgs: bool) -> None:
    """Invite the officials listed in FILE (.xlsx or .csv); all or nothing by default."""
    _speak_spanish()
    round_ = _get(round_id)
    try:
        with file.open("rb") as stream:
            rows = official_list.parse(file.name, official_list.read_upload(stream))
    except official_list.ListError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    report = invitation_service.check_rows(round_, rows, create_orgs=create_orgs)
    echo_report(report)
    if report.rejected and not skip_invalid:
        unknown = any(reason.code == "organisation_unknown" for rejection in report.rejected
                      for reason in rejection.reasons)
        raise click.ClickException("nothing was saved (use --skip-invalid to save the accepted rows"
                                   + (", --create-orgs to register the organisations that are missing)" if unknown
                                      else ")"))
    try:
        created = invitation_service.save(round_, report, skip_invalid=skip_invalid, source=file.name)
    except invitation_service.InvitationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    queued = " (invitation e-mails queued)" if round_.status == "open" and created else ""
    click.echo(f"{len(created)} officials invited to round {round_.id}{queued}")


@group.command("successor")
@click.argument("round_id", metavar="ROUND", type=int)
@click.argument("invitation_id", type=int)
@click.option("--name", required=True, help="The successor's full name.")
@click.option("--email", required=True, help="The successor's e-mail address.")
@click.option("--position", default="", help="The successor's position.")
def successor_command(round_id: int, invitation_id: int, name: str, email: str, position: str) -> None:
    """Move INVITATION_ID of ROUND to the person who took the official's place; prints the new invitation's id.

    The answers stay, the old link stops working at once, and in an open round the new link is e-mailed.
    """
    _speak_spanish()
    round_ = _get(round_id)
    invitation = invitation_service.get(round_, invitation_id)
    if invitation is None:
        raise click.ClickException(f"no invitation {invitation_id} in round {round_id}")
    try:
        new, _token = institutional.successor(invitation, name, email, position)
    except institutional.InstitutionalError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(new.id)
