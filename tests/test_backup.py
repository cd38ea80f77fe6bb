"""Backups taken while officials save answers, restored into a fresh database that then works.

The live case runs ``survey backup`` as its own process while a thread answers and submits
questionnaires through the app, one official after another; the backup is restored by
``survey restore`` into a new database, checked for integrity and consistency, and used.
The refusals (wrong file, other database kind, data in the way, a database in use, a role
that does not own the tables) run the commands in-process.
"""
from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from survey.extensions import db
from survey.models import (
    Answer,
    AuditEvent,
    Invitation,
    Response,
    ResponseRevision,
    User,
)
from survey.services.reference import load_reference
from tests.conftest import BACKENDS, PG_ADMIN_DSN, database_url, make_app
from tests.factories import (
    PASSWORD,
    login_through_form,
    make_invitation,
    make_round,
    make_user,
)
from tests.respond_support import pnat_pages, use_memory_broker

SURVEY = Path(sys.executable).with_name("survey")
OFFICIALS = 400


def new_app(backend: str, tmp_path_factory, label: str):
    """An app on a new empty database of *backend* with the schema and reference data."""
    app = make_app(database_url(backend, tmp_path_factory, label=label), tmp_path_factory.mktemp("instance"))
    use_memory_broker(app)
    app.config["SURVEY_TEST_BACKEND"] = backend
    with app.app_context():
        db.create_all()
        load_reference()
        db.session.commit()
    return app


def close(app) -> None:
    """Let go of every connection of *app* (PostgreSQL databases are dropped by the next run)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def survey(app, *args: str) -> subprocess.CompletedProcess:
    """Run the ``survey`` command line as its own process against *app*'s database."""
    env = dict(os.environ, SURVEY_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SURVEY_INSTANCE_PATH=app.instance_path, SURVEY_SECRET_KEY=app.config["SECRET_KEY"])
    return subprocess.run([str(SURVEY), *args], check=False, env=env, capture_output=True, text=True, timeout=300)


def row_counts(app) -> dict[str, int]:
    """Rows in every table of *app*'s database."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}
        db.session.remove()
    return counts


def printed_rows(output: str) -> tuple[int, int]:
    """(tables, rows) as the backup or restore command printed them."""
    found = re.search(r"Tablas: (\d+); filas: (\d+)\.", output)
    return int(found.group(1)), int(found.group(2))


class Officials(threading.Thread):
    """Officials answering every page and submitting, one after another, until told to stop."""

    def __init__(self, app, tokens: list[str]) -> None:
        super().__init__(daemon=True)
        self.app, self.tokens = app, tokens
        self.stop = threading.Event()
        self.saved_at: list[float] = []
        #: (index in tokens, when its first page save began, when the submission returned)
        self.submitted: list[tuple[int, float, float]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for index, token in enumerate(self.tokens):
                if self.stop.is_set():
                    return
                began = time.monotonic()
                client = self.app.test_client()
                for section, form in pnat_pages().items():
                    assert client.post(f"/r/{token}/s/{section}", data={**form, "nav": "next"}).status_code == 303
                    self.saved_at.append(time.monotonic())
                review = client.get(f"/r/{token}/review").get_data(as_text=True)
                nonce = re.search(r'name="nonce" value="([^"]+)"', review).group(1)
                done = client.post(f"/r/{token}/submit", data={"nonce": nonce})
                assert done.status_code == 303 and done.headers["Location"].endswith("/done")
                self.submitted.append((index, began, time.monotonic()))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self.error = exc

    def wait_for(self, submissions: int) -> None:
        """Block until *submissions* more have gone through (or the thread failed)."""
        wanted = len(self.submitted) + submissions
        deadline = time.monotonic() + 120
        while len(self.submitted) < wanted and self.error is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.error is None, self.error
        assert len(self.submitted) >= wanted, "the officials stopped saving"


@contextmanager
def slow_reader(app):
    """On SQLite, a read transaction held open (a long export) for the duration.

    Checkpoints cannot move the commits made after it into the database file, so they are only
    in the -wal file: a plain copy of the database file would miss them.
    """
    if app.config["SURVEY_TEST_BACKEND"] != "sqlite":
        yield
        return
    with closing(sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database,
                                 isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchone()
        yield
        reader.execute("COMMIT")


@pytest.fixture(params=BACKENDS)
def live(request, tmp_path_factory):
    """(app, staff e-mail, invitation ids, their tokens, a spare (id, token)) on an open round, committed."""
    app = new_app(request.param, tmp_path_factory, "backup_live")
    with app.app_context():
        staff = make_user("analyst", email="analista@example.org")
        round_ = make_round(title="Informe Alternativo 2026")
        links = [make_invitation(round_) for _ in range(OFFICIALS + 1)]
        db.session.commit()
        ids = [invitation.id for invitation, _ in links]
        tokens = [token for _, token in links]
        email = staff.email
        db.session.remove()
    yield app, email, ids[:-1], tokens[:-1], (ids[-1], tokens[-1])
    close(app)


@pytest.mark.slow
def test_a_backup_taken_while_officials_submit_restores_a_consistent_working_database(live, tmp_path_factory):
    app, email, ids, tokens, spare = live
    officials = Officials(app, tokens)
    with slow_reader(app):
        officials.start()
        try:
            officials.wait_for(3)
            started = time.monotonic()
            taken = survey(app, "backup", "-o", str(tmp_path_factory.mktemp("backups") / "survey.backup"))
            ended = time.monotonic()
            officials.wait_for(3)
        finally:
            officials.stop.set()
            officials.join(timeout=60)
    assert taken.returncode == 0, taken.stderr
    backup_file = Path(re.search(r"escrita en (\S+) \(", taken.stdout).group(1))
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600  # answers and password hashes inside
    during = [at for at in officials.saved_at if started < at < ended]
    assert len(during) >= 5, "no answers were saved while the backup ran"
    tables, rows = printed_rows(taken.stdout)

    backend = app.config["SURVEY_TEST_BACKEND"]
    restored = make_app(database_url(backend, tmp_path_factory, label="backup_restored"),
                        tmp_path_factory.mktemp("instance"))
    use_memory_broker(restored)
    put_back = survey(restored, "restore", str(backup_file))
    assert put_back.returncode == 0, put_back.stderr
    assert printed_rows(put_back.stdout) == (tables, rows)
    try:
        counts = row_counts(restored)
        assert len(counts) == tables
        assert sum(counts.values()) == rows + 1  # the restore's own audit event
        if backend == "sqlite":
            path = make_url(restored.config["SQLALCHEMY_DATABASE_URI"]).database
            with sqlite3.connect(path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        with restored.app_context():
            submitted = set(db.session.scalars(select(Invitation.id).where(Invitation.status == "submitted")))
            before = {ids[index] for index, _, done in officials.submitted if done < started}
            after = {ids[index] for index, began, _ in officials.submitted if began > ended}
            assert before <= submitted and not after & submitted
            assert len(before) >= 3 and len(after) >= 1
            # a consistent set: each submitted response with its revision and all its answer rows, no orphans
            per_response = dict(db.session.execute(
                select(Answer.response_id, func.count()).group_by(Answer.response_id)).all())
            final = dict(db.session.execute(
                select(Response.id, Response.invitation_id).where(Response.submitted_at.is_not(None))).all())
            assert set(per_response) == set(final) and set(final.values()) == submitted
            assert len(set(per_response.values())) == 1 and next(iter(per_response.values())) > 40
            revisions = db.session.scalars(select(ResponseRevision.response_id)).all()
            assert sorted(revisions) == sorted(final)
            actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("backup.%"))).all()
            assert actions == ["backup.restore"]  # the backup's own event came after its snapshot
            db.session.remove()

        client = restored.test_client()
        login = login_through_form(client, email, PASSWORD)
        assert login.status_code == 302 and "/login" not in login.headers["Location"]
        official = restored.test_client()
        spare_id, spare_token = spare
        saved = official.post(f"/r/{spare_token}/s/profile", data={**pnat_pages()["profile"], "nav": "save"})
        assert saved.status_code == 303
        with restored.app_context():
            answers = db.session.scalar(select(Response.answers).where(Response.invitation_id == spare_id))
            assert answers["months_in_role"] == 24
            db.session.remove()
    finally:
        close(restored)


# --- refusals -----------------------------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def store(request, tmp_path_factory):
    """An app whose database holds reference data and one staff account, committed."""
    app = new_app(request.param, tmp_path_factory, "backup_store")
    with app.app_context():
        make_user("admin", email="admin@example.org")
        db.session.commit()
        db.session.remove()
    yield app
    close(app)


def invoke(app, *args: str):
    """Run a ``survey`` command in this process."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def backup_of(app, tmp_path: Path, only: str | None = None) -> Path:
    """A backup of *app*'s database; the test is skipped on the other backend when *only* names one."""
    if only is not None and app.config["SURVEY_TEST_BACKEND"] != only:
        pytest.skip(f"{only} only")
    path = tmp_path / "copia.backup"
    taken = invoke(app, "backup", "-o", str(path))
    assert taken.exit_code == 0, taken.output
    return path


def add_staff(app, email: str) -> None:
    with app.app_context():
        make_user("editor", email=email)
        db.session.commit()
        db.session.remove()


def emails(app) -> list[str]:
    with app.app_context():
        found = sorted(db.session.scalars(select(User.email)))
        db.session.remove()
    return found


def test_restore_puts_back_the_backup_only_with_force_once_the_database_holds_data(store, tmp_path):
    backup_file = tmp_path / "copia.backup"
    taken = invoke(store, "backup", "-o", str(backup_file), "--lang", "en")
    assert taken.exit_code == 0, taken.output
    assert "backup written to" in taken.output and "Tables: " in taken.output
    add_staff(store, "later@example.org")

    refused = invoke(store, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "ya contiene datos" in refused.output and "--force" in refused.output
    assert emails(store) == ["admin@example.org", "later@example.org"]

    forced = invoke(store, "restore", str(backup_file), "--force")
    assert forced.exit_code == 0, forced.output
    assert "restaurada desde" in forced.output
    assert emails(store) == ["admin@example.org"]


def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database_kind(store, tmp_path, tmp_path_factory):
    other = "postgresql" if store.config["SURVEY_TEST_BACKEND"] == "sqlite" else "sqlite"
    wrong = {"notes.txt": b"SQLite format 2\x00 not really", "other.backup": {
        "sqlite": b"SQLite format 3\x00" + bytes(100), "postgresql": b"PGDMP\x01\x0e\x00"}[other]}
    for name, content in wrong.items():
        (tmp_path / name).write_bytes(content)
    empty = new_app(store.config["SURVEY_TEST_BACKEND"], tmp_path_factory, "backup_empty")
    try:
        not_backup = invoke(empty, "restore", str(tmp_path / "notes.txt"))
        assert not_backup.exit_code == 1 and "no es una copia de seguridad" in not_backup.output
        other_kind = invoke(empty, "restore", str(tmp_path / "other.backup"))
        assert other_kind.exit_code == 1
        assert "pero la base de datos configurada es" in other_kind.output
        assert row_counts(empty)["regions"] == 26
    finally:
        close(empty)


def test_sqlite_restore_refuses_a_database_the_app_still_has_open(store, tmp_path):
    backup_file = backup_of(store, tmp_path, only="sqlite")
    add_staff(store, "later@example.org")
    path = make_url(store.config["SQLALCHEMY_DATABASE_URI"]).database
    web_worker = sqlite3.connect(path)
    try:
        web_worker.execute("SELECT count(*) FROM users").fetchone()
        busy = invoke(store, "restore", str(backup_file), "--force")
    finally:
        web_worker.close()
    assert busy.exit_code == 1 and "está en uso" in busy.output
    assert emails(store) == ["admin@example.org", "later@example.org"]
    assert invoke(store, "restore", str(backup_file), "--force").exit_code == 0
    assert emails(store) == ["admin@example.org"]


def test_sqlite_backup_of_a_missing_database_creates_nothing(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing.sqlite'}", tmp_path / "instance")
    try:
        result = invoke(app, "backup", "-o", str(tmp_path / "out.sqlite"))
        assert result.exit_code == 1 and "no existe" in result.output
        assert not (tmp_path / "missing.sqlite").exists() and not (tmp_path / "out.sqlite").exists()
    finally:
        close(app)


def test_postgresql_restore_needs_the_owner_of_the_tables(store, tmp_path):
    backup_file = backup_of(store, tmp_path, only="postgresql")
    url = make_url(store.config["SQLALCHEMY_DATABASE_URI"])
    role = f"survey_app_{url.database}"[:60]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(False), autocommit=True) as owner:
            owner.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        as_app = make_app(url.set(username=role).render_as_string(False), tmp_path / "instance")
        try:
            refused = invoke(as_app, "restore", str(backup_file), "--force")
        finally:
            close(as_app)
        assert refused.exit_code == 1
        assert "propietario de las tablas" in refused.output and role in refused.output
        assert emails(store) == ["admin@example.org"]
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            with psycopg.connect(url.set(drivername="postgresql").render_as_string(False), autocommit=True) as own:
                own.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
