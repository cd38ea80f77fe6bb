"""``survey backup -o FILE`` and ``survey restore FILE``: a consistent copy of a live database, and back.

SQLite: the online backup API copies every page under one read transaction, a consistent snapshot
while the app goes on writing in WAL mode (a plain copy of the file misses what is still in the -wal
file). PostgreSQL: ``pg_dump -Fc`` reads under a snapshot exported by the transaction that counts the
rows, so the counts printed are those of the dump; ``pg_restore --clean --if-exists --no-owner
--single-transaction`` puts a dump back all or nothing, run by the owner of the tables.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

import click
from flask import Flask, g
from flask.cli import with_appcontext
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection

from survey.extensions import db
from survey.services import audit

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: tables that say nothing about whether a database holds data
_BOOKKEEPING = {"alembic_version"}
#: a restore stops rather than queueing forever behind a process that still holds a table
_PG_OPTIONS = "-c lock_timeout=30s"

_LANG = click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
                     help="Language of the messages.")


def file_kind(path: Path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` (pg_dump custom format) from the file's header, else None."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def _name(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)


def _size(path: Path) -> str:
    return f"{format_decimal(round(path.stat().st_size / 1048576, 1), format='#,##0.0')} MiB"


def _echo_counts(counts: dict[str, int]) -> None:
    click.echo(_("Tablas: %(tables)d; filas: %(rows)d.", tables=len(counts), rows=sum(counts.values())))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite -----------------------------------------------------------------------------------

def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name")]
    return {name: conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0] for name in names}


def _open_existing(path: Path) -> sqlite3.Connection:
    # mode=rw: a missing file is an error, never a new empty database
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=10)


def _checked_copy(source: Path, destination: Path) -> dict[str, int]:
    """Copy *source* into *destination* (a new file) with the backup API; integrity check it; counts."""
    with closing(_open_existing(source)) as src, closing(sqlite3.connect(destination, isolation_level=None)) as dst:
        src.backup(dst)  # one step: the whole copy reads one snapshot, writers go on in the WAL
        # a standalone file: no -wal/-shm companions that could be lost when it is moved
        dst.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise click.ClickException(_("%(path)s no pasó la verificación de integridad de SQLite: %(detail)s",
                                         path=source, detail="; ".join(problems[:5])))
        return _sqlite_counts(dst)


def _temp_next_to(path: Path) -> Path:
    # same directory: os.replace is then an atomic rename; mkstemp creates it readable by us only
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _backup_sqlite(source: Path, output: Path) -> dict[str, int]:
    if not source.exists():
        raise click.ClickException(_("La base de datos %(path)s no existe.", path=source))
    temp = _temp_next_to(output)
    try:
        counts = _checked_copy(source, temp)
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)
    return counts


def _sqlite_rows(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    with closing(_open_existing(path)) as conn:
        return _sqlite_counts(conn)


def _restore_sqlite(file: Path, target: Path) -> dict[str, int]:
    temp = _temp_next_to(target)
    try:
        counts = _checked_copy(file, temp)
        if target.exists():
            _same_owner_and_mode(temp, target)
            _replace_unused(temp, target)
        else:
            for companion in ("-wal", "-shm"):  # a stray WAL would be replayed into the new file
                Path(f"{target}{companion}").unlink(missing_ok=True)
            os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return counts


def _same_owner_and_mode(new: Path, target: Path) -> None:
    # the app may run as another account than the one restoring: keep what it could open
    status = target.stat()
    os.chmod(new, stat.S_IMODE(status.st_mode))
    if os.geteuid() == 0:
        os.chown(new, status.st_uid, status.st_gid)


def _replace_unused(new: Path, target: Path) -> None:
    """Move *new* over *target* if no other connection has *target* open; refuse otherwise.

    Leaving WAL mode needs the only connection: it fails while the app or a worker holds one,
    and it checkpoints and deletes the -wal and -shm files, which would otherwise be applied
    to the new file. The exclusive lock then keeps newcomers out until the rename is done.
    """
    with closing(_open_existing(target)) as conn:
        conn.execute("PRAGMA busy_timeout=2000")
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            mode = "busy"
        if mode != "delete":
            raise click.ClickException(_("La base de datos %(path)s está en uso. Detenga la aplicación web y los "
                                         "procesos de Celery antes de restaurar.", path=target))
        os.replace(new, target)
        conn.execute("ROLLBACK")


# --- PostgreSQL -------------------------------------------------------------------------------

def _pg_counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.scalar(text(f"SELECT count(*) FROM {_quote(name)}")) for name in names}


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URL for the client tools; the password goes in the environment, not in ps."""
    env = dict(os.environ, PGOPTIONS=_PG_OPTIONS)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _tool_major(tool: str) -> int:
    found = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(PostgreSQL\) (\d+)", found)
    return int(match.group(1)) if match else 0


def _pg_tool(name: str, conn: Connection) -> str:
    """pg_dump or pg_restore of at least the server's major version (Debian keeps each version apart)."""
    server = int(conn.scalar(text("SHOW server_version_num"))) // 10000
    for tool in (f"/usr/lib/postgresql/{server}/bin/{name}", shutil.which(name)):
        if tool and os.access(tool, os.X_OK) and _tool_major(tool) >= server:
            return tool
    raise click.ClickException(_("No se encontró %(tool)s %(version)d o posterior (el servidor es PostgreSQL "
                                 "%(version)d). Instale postgresql-client-%(version)d.", tool=name, version=server))


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise click.ClickException(_("%(tool)s falló: %(detail)s", tool=Path(command[0]).name,
                                     detail=" / ".join(detail[-3:])))


def _backup_postgresql(output: Path) -> dict[str, int]:
    dsn, env = _libpq(db.engine.url)
    temp = _temp_next_to(output)
    try:
        with db.engine.connect() as conn:
            tool = _pg_tool("pg_dump", conn)
            conn.rollback()
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                counts = _pg_counts(conn)
                # pg_dump reads the snapshot this transaction counted: what is printed is what is in the file
                _run([tool, "--format=custom", f"--snapshot={snapshot}", f"--file={temp}", f"--dbname={dsn}"], env)
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)
    return counts


def _pg_rows() -> dict[str, int]:
    with db.engine.connect() as conn:
        return _pg_counts(conn)


def _check_owner(conn: Connection) -> None:
    """Restoring drops and recreates the tables: only their owner (or a superuser) can."""
    if conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        return
    foreign = conn.execute(text(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema() "
        "AND tableowner <> current_user ORDER BY tablename LIMIT 1")).first()
    if foreign is not None:
        raise click.ClickException(_(
            "Para restaurar hay que conectarse como propietario de las tablas o como superusuario (la tabla "
            "%(table)s pertenece a %(owner)s y la conexión es de %(user)s). Para este comando, ponga en "
            "SURVEY_DATABASE_URL la URL del propietario.", table=foreign.tablename, owner=foreign.tableowner,
            user=conn.engine.url.username or ""))


def _restore_postgresql(file: Path) -> dict[str, int]:
    dsn, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        tool = _pg_tool("pg_restore", conn)
    db.engine.dispose()  # our own idle connections must not hold the tables being dropped
    _run([tool, "--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction",
          f"--dbname={dsn}", str(file)], env)
    return _pg_rows()


# --- commands ---------------------------------------------------------------------------------

def _backend() -> str:
    kind = db.engine.url.get_backend_name()
    if kind not in ("sqlite", "postgresql"):
        raise click.ClickException(_("No se pueden hacer copias de seguridad de una base de datos %(kind)s.",
                                     kind=kind))
    return kind


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (replaced only once the new copy is complete and checked).")
@_LANG
@with_appcontext
def backup(output: Path, lang: str) -> None:
    """Write a consistent copy of the live database to a file (SQLite copy or pg_dump -Fc)."""
    g.survey_locale = lang
    kind = _backend()
    if kind == "sqlite":
        counts = _backup_sqlite(Path(db.engine.url.database or ""), output)
    else:
        counts = _backup_postgresql(output)
    click.echo(_("Copia de seguridad de %(kind)s escrita en %(path)s (%(size)s).", kind=_name(kind),
                 path=output, size=_size(output)))
    _echo_counts(counts)
    if kind == "sqlite":
        click.echo(_("Verificación de integridad de la copia: correcta."))
    audit.record("backup.create", actor="cli", path=str(output.resolve()), rows=sum(counts.values()))
    db.session.commit()


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@_LANG
@with_appcontext
def restore(file: Path, force: bool, lang: str) -> None:
    """Replace the configured database by the backup in FILE (stop the web app and workers first)."""
    g.survey_locale = lang
    target = _backend()
    kind = file_kind(file)
    if kind is None:
        raise click.ClickException(_("%(path)s no es una copia de seguridad: no empieza como una base de datos "
                                     "SQLite ni como un volcado de pg_dump en formato personalizado (-Fc).",
                                     path=file))
    if kind != target:
        raise click.ClickException(_("%(path)s es una copia de %(kind)s, pero la base de datos configurada es "
                                     "%(target)s.", path=file, kind=_name(kind), target=_name(target)))
    path = Path(db.engine.url.database or "")
    db.session.remove()
    if target == "postgresql":
        with db.engine.connect() as conn:
            _check_owner(conn)
    existing = _sqlite_rows(path) if target == "sqlite" else _pg_rows()
    held = {name: rows for name, rows in existing.items() if rows and name not in _BOOKKEEPING}
    if held and not force:
        raise click.ClickException(_("La base de datos de destino ya contiene datos (tablas con filas: %(tables)d; "
                                     "filas: %(rows)d). No se cambió nada; use --force para reemplazarla.",
                                     rows=sum(held.values()), tables=len(held)))
    db.engine.dispose()
    counts = _restore_sqlite(file, path) if target == "sqlite" else _restore_postgresql(file)
    click.echo(_("Base de datos %(kind)s restaurada desde %(path)s (%(size)s).", kind=_name(kind), path=file,
                 size=_size(file)))
    _echo_counts(counts)
    audit.record("backup.restore", actor="cli", path=str(file.resolve()), rows=sum(counts.values()))
    db.session.commit()


def attach(app: Flask) -> None:
    """Add ``backup`` and ``restore`` at the top level of ``survey``."""
    app.cli.add_command(backup)
    app.cli.add_command(restore)
