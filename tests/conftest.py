"""Shared fixtures: one database per backend per session, a rollback per test.

Every test that asks for ``app`` (or ``db_session``/``client``) runs twice: on SQLite and
on the PostgreSQL of this machine. Set ``SURVEY_TEST_BACKENDS=sqlite`` to run one.
Each pytest process uses its own PostgreSQL database (``survey_test_<label>_<suffix>``),
so parallel runs do not collide; the suffix joins ``SURVEY_TEST_DB_SUFFIX`` and the
xdist worker id.
"""
from __future__ import annotations

import os
import re

import psycopg
import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from survey import create_app
from survey.extensions import db

PG_ADMIN_DSN = os.environ.get("SURVEY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("SURVEY_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def _suffix() -> str:
    raw = "_".join(
        part
        for part in (os.environ.get("SURVEY_TEST_DB_SUFFIX", "main"), os.environ.get("PYTEST_XDIST_WORKER"))
        if part
    )
    return re.sub(r"[^a-z0-9_]", "_", raw.lower())


def fresh_pg_database(name: str) -> str:
    """Drop and create PostgreSQL database *name*; return its SQLAlchemy URL."""
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def database_url(backend: str, tmp_path_factory, label: str = "app") -> str:
    """A new empty database of *backend* for this test session."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db-' + label) / 'survey.sqlite'}"
    return fresh_pg_database(f"survey_test_{label}_{_suffix()}")


def make_app(url: str, instance_path, **overrides):
    """Create an app on *url* for tests (CSRF off unless a test turns it on)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    application = create_app(config, instance_path=str(instance_path))
    if "CELERY" not in overrides:
        # Tasks queued by views go to Celery's in-memory transport: no broker file or
        # service; tests that need a real worker configure their own broker.
        celery = application.extensions["celery"]
        celery.conf.broker_url = "memory://"
        celery.conf.broker_transport_options = {}
    return application


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """The application on a fresh database with the schema, reference data loaded."""
    backend = request.param
    url = database_url(backend, tmp_path_factory)
    application = make_app(url, tmp_path_factory.mktemp("instance"))
    application.config["SURVEY_TEST_BACKEND"] = backend
    with application.app_context():
        db.create_all()
        from survey.services.reference import load_reference

        load_reference()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test, even what views commit."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = scoped_session(factory, scopefunc=original.registry.scopefunc)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    """A test client sharing the test's rolled-back transaction."""
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    """A CLI runner for ``survey`` commands inside the test's transaction."""
    return app.test_cli_runner()


@pytest.fixture
def csrf_enabled(app):
    """Turn CSRF checking on for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (the system one; never downloaded) for the whole session.

    Defined here, not in tests/browser/: the browser tests and the production rehearsal share it, and
    a second sync_playwright() in the same process fails while the first one runs.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()
