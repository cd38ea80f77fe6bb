"""``survey db grant-app ROLE``: what the application's PostgreSQL role may do, and nothing more.

Migrations run as the role that owns the tables; the web app and the workers run as another
role that cannot TRUNCATE, ALTER, disable triggers, or rewrite the audit log (see
docs/production-database.md). The owner runs this command after every ``survey db upgrade``.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from survey.extensions import db

#: what the app gets on a table whose model does not say otherwise (``Table.info["app_grants"]``)
DEFAULT_GRANTS = "SELECT, INSERT, UPDATE, DELETE"
#: Alembic's bookkeeping: readable (``survey db current`` as the app), never writable
ALEMBIC_TABLE = "alembic_version"


def table_grants() -> dict[str, str]:
    """Return table name -> privileges the app role gets, from the models' ``info``."""
    return {name: table.info.get("app_grants", DEFAULT_GRANTS) for name, table in db.metadata.tables.items()}


def _refuse_unsafe_role(connection: Connection, role: str) -> None:
    """Stop if *role* is missing or could act as the owner (then no grant would protect anything)."""
    row = connection.execute(
        text("SELECT rolsuper, rolbypassrls, pg_has_role(:role, current_user, 'USAGE') AS is_owner"
             " FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    if row is None:
        raise click.ClickException(f"role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '...' first")
    if row.rolsuper:
        raise click.ClickException(f"role {role!r} is a superuser: the application role must not be one")
    if row.is_owner:
        owner = connection.execute(text("SELECT current_user")).scalar_one()
        raise click.ClickException(
            f"role {role!r} is (or is a member of) the owner role {owner!r}: use a separate role for the application")


def grant_app(connection: Connection, role: str) -> list[str]:
    """Grant *role* exactly the application's privileges on every table; return the statements run.

    Everything the role held on these tables is revoked first, so running it again after a
    release (or after someone granted too much by hand) leaves exactly this set.
    """
    _refuse_unsafe_role(connection, role)
    quote = connection.dialect.identifier_preparer.quote
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    existing = set(inspect(connection).get_table_names(schema=schema))
    grants = table_grants()
    missing = sorted(set(grants) - existing)
    if missing:
        # Models ahead of the database: the app will fail on these until `survey db upgrade`.
        click.echo(f"warning: tables not in the database yet ({', '.join(missing)}): run `survey db upgrade`"
                   " and then this command again", err=True)
        grants = {name: privileges for name, privileges in grants.items() if name in existing}
    who, where = quote(role), quote(schema)
    statements = [f"GRANT USAGE ON SCHEMA {where} TO {who}"]
    if ALEMBIC_TABLE in existing:
        grants[ALEMBIC_TABLE] = "SELECT"
    for name, privileges in sorted(grants.items()):
        table = f"{where}.{quote(name)}"
        statements.append(f"REVOKE ALL ON {table} FROM {who}")
        statements.append(f"GRANT {privileges} ON {table} TO {who}")
    # Serial primary keys draw from sequences: nextval() needs USAGE, nothing more.
    statements.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {where} TO {who}")
    for statement in statements:
        connection.execute(text(statement))
    return statements


@click.command("grant-app")
@click.argument("role")
@click.option("--show", is_flag=True, help="Also print every statement run.")
@with_appcontext
def grant_app_command(role: str, show: bool) -> None:
    """Grant ROLE (the web app's and workers' PostgreSQL role) what the app needs, and no more.

    Run it as the tables' owner after every `survey db upgrade`: new tables are not covered
    until it runs again. The audit log gets SELECT and INSERT only; no role gets TRUNCATE,
    TRIGGER or REFERENCES, and ownership stays with the owner, who alone can ALTER.
    """
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("grant-app is for PostgreSQL; SQLite has no roles")
    with db.engine.begin() as connection:
        statements = grant_app(connection, role)
    if show:
        for statement in statements:
            click.echo(statement)
    tables = sum(statement.startswith("REVOKE ALL ON") for statement in statements)
    click.echo(f"granted {role} the application's privileges on {tables} tables")


def attach(app: Flask) -> None:
    """Add ``grant-app`` to Flask-Migrate's ``db`` group (``survey db grant-app``)."""
    group = app.cli.commands.get("db")
    if group is not None and "grant-app" not in getattr(group, "commands", {}):
        group.add_command(grant_app_command)
