"""Celery app factory following Flask's Celery pattern (one app context per task)."""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from celery import Celery, Task
from flask import Flask

#: task modules, imported once the app exists (tasks use shared_task with names from survey.jobs)
TASK_MODULES = ("workers.mail", "workers.reminders", "workers.results", "workers.exports", "workers.schedule")


def celery_init_app(app: Flask) -> Celery:
    """Create the worker-side Celery app from the Flask app's ``CELERY`` settings."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def create_celery(test_config: dict | None = None) -> Celery:
    """Build the Flask app and its Celery app, and register the task modules."""
    from survey import create_app

    flask_app = create_app(test_config)
    celery = celery_init_app(flask_app)
    celery.flask_app = flask_app
    for name in TASK_MODULES:
        if find_spec(name) is not None:
            import_module(name)
    return celery
