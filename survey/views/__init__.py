"""Blueprint registration: one blueprint per feature, each in its own module."""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from flask import Flask, current_app

#: feature modules exposing ``bp``; a module not written yet is skipped, a broken one fails loudly
BLUEPRINT_MODULES = (
    "survey.views.public",
    "survey.auth.views",
    "survey.admin.views",
    "survey.builder.views",
    "survey.rounds.views",
    "survey.respond.views",
    "survey.outbox.views",
    "survey.results.views",
    "survey.organisations.views",
    "survey.people.views",
    "survey.publication.views",
    "survey.publication.public_views",
    "survey.verification.views",
    "survey.evidence.views",
)


def _module_exists(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def has_endpoint(name: str) -> bool:
    """True if the app has a view for endpoint *name* (templates link only to real pages)."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    """Register every blueprint of the app."""
    for name in BLUEPRINT_MODULES:
        if _module_exists(name):
            app.register_blueprint(import_module(name).bp)
    app.jinja_env.globals["has_endpoint"] = has_endpoint
