"""Browser fixtures: the app served on a real port over its own SQLite file, and headless Chromium.

``live_server`` is the base URL of an app with a fresh database (schema and reference data loaded)
and CSRF checking on, as in production. ``live_db(fn)`` runs *fn* inside that app and commits, to
create users or questionnaires directly. ``browser`` is one Chromium per session; ``page`` a fresh
browser context (cookies, storage) per test.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from survey.extensions import db
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The application served by ``live_server``, on a SQLite file of its own."""
    folder = tmp_path_factory.mktemp("live")
    application = make_app(f"sqlite:///{folder / 'live.sqlite'}", folder / "instance", WTF_CSRF_ENABLED=True)
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


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of the app served by a threaded werkzeug server."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_db(live_app) -> Callable[[Callable[[], Any]], Any]:
    """Run a function inside the live app (its database) and commit; returns what it returned."""

    def run(function: Callable[[], Any]) -> Any:
        with live_app.app_context():
            try:
                result = function()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    return run


@pytest.fixture
def page(browser):
    """A page in a fresh browser context: no cookies from other tests."""
    context = browser.new_context(locale="es-PE")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()
