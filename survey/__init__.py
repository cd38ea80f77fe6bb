"""CHS Alternativo's survey platform: the Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """Return the folder of the top-level ``templates`` or ``migrations`` tree.

    In a checkout they sit beside the package; a wheel ships them inside it as
    ``survey/_templates`` and ``survey/_migrations``.
    """
    beside = PACKAGE_DIR.parent / name
    if beside.is_dir():
        return str(beside)
    return str(PACKAGE_DIR / f"_{name}")


def _absolute(path: str | None) -> str | None:
    return os.path.abspath(path) if path else None


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure the application.

    :param test_config: settings that override the environment (tests).
    :param instance_path: folder for the SQLite file, secret key and exports
        (default: ``SURVEY_INSTANCE_PATH`` or Flask's ``instance/``).
    """
    from survey import config as config_module

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=_absolute(instance_path or os.environ.get("SURVEY_INSTANCE_PATH")),
        template_folder=resource_dir("templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("SURVEY_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx the client address comes from X-Forwarded-For: rate limits and the
        # audit log must see the official's address, not the proxy's.
        proxies = app.config["SURVEY_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from survey import database, filters, i18n, security
    from survey.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=resource_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    filters.init_app(app)

    from survey import auth, jobs, views

    auth.init_app(app)
    jobs.init_app(app)
    views.init_app(app)

    from survey.cli import register_commands

    register_commands(app)
    return app
