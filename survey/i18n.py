"""Language selection: Spanish by default, English on request; the choice sticks."""
from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from survey.extensions import babel


def select_locale() -> str:
    """Pick the language: ?lang=, then the session, then the default (Spanish)."""
    from flask import current_app, g

    languages = current_app.config["SURVEY_LANGUAGES"]
    forced = getattr(g, "survey_locale", None)
    if forced in languages:
        return forced
    if not has_request_context():  # CLI commands and tasks: force_locale() or the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    stored = session.get("lang")
    if stored in languages:
        return stored
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code of the current request ('es' or 'en')."""
    return str(get_locale() or "es")[:2]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our translations folder and locale selector."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.policies["ext.i18n.trimmed"] = True
