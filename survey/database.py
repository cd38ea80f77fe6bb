"""Engine tuning and database-level rules that hold whatever code writes the rows."""
from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import DDL, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from survey.extensions import db


def _tune_sqlite(engine: Engine) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every SQLite connection.

    pysqlite's own transaction handling is switched off so that SAVEPOINTs work and
    every transaction starts with BEGIN IMMEDIATE: a deferred transaction that later
    writes can fail at once with "database is locked" instead of waiting. The exception,
    :func:`begin_reading`, is made safe by :func:`begin_writing` and a guard on writes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        is_reading = bool(connection.get_execution_options().get(_READING))
        connection.exec_driver_sql("BEGIN" if is_reading else "BEGIN IMMEDIATE")
        connection.info[_READING] = is_reading

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_while_reading(connection, _cursor, _statement, _parameters, context, _executemany):
        # A deferred transaction that writes after another writer committed fails at once with
        # "database is locked" (its snapshot is stale): writes must follow begin_writing().
        if connection.info.get(_READING) and context is not None and (
                context.isinsert or context.isupdate or context.isdelete):
            raise WriteWhileReading("a write in a reading transaction: call database.begin_writing() first")


#: execution option and connection.info key of a SQLite transaction begun as a reader
_READING = "survey_reading"


class WriteWhileReading(RuntimeError):
    """A statement tried to write inside a transaction begun by :func:`begin_reading`."""


def begin_reading() -> None:
    """Begin the session's transaction as a reader, if it has not begun yet.

    On SQLite every other transaction begins with BEGIN IMMEDIATE and holds the database's
    single write lock from its first query to its commit. Pages that mostly read (every page
    behind a personal link) begin deferred instead: reading takes no lock in WAL mode, and
    :func:`begin_writing` takes the write lock only for the statements that write, so other
    officials' requests do not wait behind this one's reading, checking and rendering.
    On PostgreSQL this does nothing (readers never block writers there).
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    # The session remembers it too: the connection's flag is set only when this begins the transaction,
    # and a test's outer transaction has always begun (so its writes are refused the same way).
    session.info[_READING] = True
    if not session.in_transaction():
        session.connection(execution_options={_READING: True})


def begin_writing() -> bool:
    """Take the write lock for the rest of a transaction begun by :func:`begin_reading`.

    SQLite cannot upgrade a reader whose snapshot another writer has since moved past, so the
    reading transaction ends and a BEGIN IMMEDIATE one takes its place (the ORM's session goes on,
    objects loaded so far stay loaded). Returns True when that happened: rows read before may
    have changed since, and the caller must re-read or guard its writes (a conditional UPDATE)
    with what it decided on. False (nothing done) otherwise, and always on PostgreSQL.
    """
    session = db.session()
    session.info.pop(_READING, None)
    if not session.in_transaction():
        return False
    connection = session.connection()
    if not connection.info.get(_READING):
        return False
    connection.info[_READING] = False
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


@event.listens_for(Session, "before_flush")
def _refuse_flush_while_reading(session, _context, _instances) -> None:
    if session.info.get(_READING):
        raise WriteWhileReading("a write in a reading transaction: call database.begin_writing() first")


@event.listens_for(Session, "do_orm_execute")
def _refuse_dml_while_reading(state) -> None:
    if state.session.info.get(_READING) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteWhileReading("a write in a reading transaction: call database.begin_writing() first")


@event.listens_for(Session, "after_transaction_end")
def _forget_reading(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_READING, None)


def init_app(app: Flask) -> None:
    """Tune the engine of the app's database once it exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)

    @app.teardown_request
    def _end_reading(_error) -> None:
        # A test's app context outlives its requests: the next request, or the test, starts afresh.
        if db.session.registry.has():
            db.session().info.pop(_READING, None)


def _trigger_sql(name: str, op: str, when_sqlite: str, when_pg: str, message: str) -> dict[str, list[str]]:
    trig = f"trg_{name}_no_{op.lower()}"
    func = f"{trig}_fn"
    return {
        "sqlite": [
            (f"CREATE TRIGGER {trig} BEFORE {op} ON {name} FOR EACH ROW WHEN {when_sqlite} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        ],
        "postgresql": [
            (f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {when_pg} THEN RAISE EXCEPTION '{message}' "
            f"USING ERRCODE = 'integrity_constraint_violation'; END IF; "
            f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"),
            f"CREATE TRIGGER {trig} BEFORE {op} ON {name} FOR EACH ROW EXECUTE FUNCTION {func}()",
        ],
    }


#: table name -> dialect -> CREATE statements; migrations replay the same statements.
TRIGGERS: dict[str, dict[str, list[str]]] = {}


def _unique_keys(table) -> list[tuple[list[str], str | None]]:
    """Every set of columns a REPLACE can collide on: (columns, partial index predicate or None)."""
    keys = [([c.name for c in table.primary_key.columns], None)]
    keys += [([c.name for c in constraint.columns], None) for constraint in table.constraints
             if isinstance(constraint, UniqueConstraint)]
    for index in table.indexes:
        if index.unique:
            where = index.dialect_options["sqlite"].get("where")
            keys.append(([c.name for c in index.columns], str(where) if where is not None else None))
    return keys


def _sqlite_replace_guards(table, when_sqlite: str, message: str) -> list[str]:
    """Triggers that stop INSERT OR REPLACE / UPDATE OR REPLACE from deleting a guarded row.

    SQLite's REPLACE deletes the row it collides with without firing DELETE triggers unless the
    attacker's own connection turned ``PRAGMA recursive_triggers`` on, so the BEFORE DELETE guard
    alone is not enough: these look for a guarded row the new values would collide with on any
    unique key (primary key, unique constraints, unique indexes within their predicate) first.
    """
    # The guard's condition names the row as OLD.<column>; here that row is `o` of the subquery,
    # and a partial index's predicate names o's columns unqualified (o is the only table in scope).
    guarded = re.sub(r"\bOLD\.", "o.", when_sqlite)

    def collides(new: str) -> str:
        matches = []
        for columns, where in _unique_keys(table):
            match = " AND ".join(f"o.{c} = {new}.{c}" for c in columns)
            matches.append(f"({match} AND ({where}))" if where else f"({match})")
        return f"({' OR '.join(matches)}) AND ({guarded})"

    name = table.name
    return [
        (f"CREATE TRIGGER trg_{name}_no_replace BEFORE INSERT ON {name} FOR EACH ROW WHEN EXISTS "
        f"(SELECT 1 FROM {name} AS o WHERE {collides('NEW')}) BEGIN SELECT RAISE(ABORT, '{message}'); END"),
        (f"CREATE TRIGGER trg_{name}_no_replace_by_update BEFORE UPDATE ON {name} FOR EACH ROW WHEN EXISTS "
        f"(SELECT 1 FROM {name} AS o WHERE o.rowid <> OLD.rowid AND {collides('NEW')}) "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"),
    ]


def add_triggers(table, dialect: str, statements: list[str]) -> None:
    """Run *statements* after CREATE TABLE on *dialect* and record them for the migrations' check."""
    TRIGGERS.setdefault(table.name, {"sqlite": [], "postgresql": []})[dialect].extend(statements)
    for statement in statements:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


def guard_rows(table, *, when_sqlite: str, when_pg: str, message: str, operations=("UPDATE", "DELETE")) -> None:
    """Refuse the given operations on *table* at the database when a condition holds.

    The conditions name the existing row's columns as ``OLD.<column>``. On SQLite, a REPLACE
    (INSERT OR REPLACE, UPDATE OR REPLACE) that would delete such a row is refused too. The DDL
    runs after CREATE TABLE (tests, embedded setup); migrations write the same statements out,
    and a test compares them with :data:`TRIGGERS`, so a published version cannot change even
    through raw SQL.
    """
    per_dialect: dict[str, list[str]] = {"sqlite": [], "postgresql": []}
    for op in operations:
        for dialect, stmts in _trigger_sql(table.name, op, when_sqlite, when_pg, message).items():
            per_dialect[dialect].extend(stmts)
    per_dialect["sqlite"].extend(_sqlite_replace_guards(table, when_sqlite, message))
    for dialect, stmts in per_dialect.items():
        add_triggers(table, dialect, stmts)


def trigger_sql(table_name: str, dialect: str) -> list[str]:
    """Return the trigger statements of *table_name* for *dialect* (used by migrations)."""
    return list(TRIGGERS.get(table_name, {}).get(dialect, []))
