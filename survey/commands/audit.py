"""``survey audit``: checking that the audit log was not rewritten."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey.services import audit_chain


@click.group("audit")
def group() -> None:
    """The audit log."""


@group.command("verify")
@click.option("--expect", metavar="HASH", help="A head hash printed by an earlier run: the chain must pass through it.")
@with_appcontext
def verify_command(expect: str | None) -> None:
    """Check the audit log's hash chain; exit 1 at the first broken link.

    Every entry carries the hash of the one before it and its own; the chain's head records
    how many entries there are. A changed, removed or reordered entry, or entries cut off the
    end, are reported with the entry's id. Keep the printed head hash somewhere else (a ticket,
    the backup log): a later run with --expect HASH checks that the chain still passes through
    it, which also catches a log rebuilt from scratch with new hashes.
    """
    check = audit_chain.verify(expect)
    if not check.is_intact:
        click.echo(f"audit chain broken: {check.problem}", err=True)
        click.echo(f"{check.entries} entries checked before the break", err=True)
        raise SystemExit(1)
    click.echo(f"{check.entries} entries, chain intact; head {check.head_hash}")
