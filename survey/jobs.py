"""The only seam from the web app to the workers: queue a task by name, after commit.

The web app never imports ``workers``. Tasks get ids, never ORM objects, and are sent
only once the transaction that created their rows has committed, so no task (and no
e-mail) exists for a rolled-back row.
"""
from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event

from survey.extensions import db

SEND_MESSAGES = "mail.send"
DISPATCH_REMINDERS = "reminders.dispatch"
SWEEP_OUTBOX = "mail.sweep"
AGGREGATE_ROUND = "results.aggregate"
AGGREGATE_ALL_ROUNDS = "results.aggregate_all"
BUILD_EXPORT = "exports.build"
EXPIRE_EXPORTS = "exports.expire"

ALL = (SEND_MESSAGES, DISPATCH_REMINDERS, SWEEP_OUTBOX, AGGREGATE_ROUND, BUILD_EXPORT, EXPIRE_EXPORTS,
       AGGREGATE_ALL_ROUNDS)


def celery_app() -> Celery:
    """The Celery app bound to the current Flask app (a producer only, on the web side)."""
    return current_app.extensions["celery"]


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Send task *name* with plain arguments once the current transaction commits.

    Outside a transaction (nothing pending) it is sent at once.
    """
    session = db.session()
    if session.in_transaction() and (session.new or session.dirty or session.deleted or _has_writes(session)):
        pending = session.info.setdefault("survey_after_commit", [])
        pending.append((name, args, options))
        return
    celery_app().send_task(name, args=list(args), **options)


def _has_writes(session) -> bool:
    return bool(session.info.get("survey_wrote"))


def _after_flush(session, _ctx) -> None:
    session.info["survey_wrote"] = True


def _after_commit(session) -> None:
    pending = session.info.pop("survey_after_commit", [])
    session.info.pop("survey_wrote", None)
    if not pending or not has_app_context():
        return
    app = celery_app()
    for name, args, options in pending:
        app.send_task(name, args=list(args), **options)


def _after_rollback(session) -> None:
    session.info.pop("survey_after_commit", None)
    session.info.pop("survey_wrote", None)


def init_app(app: Flask) -> None:
    """Create the producer-side Celery app and hook enqueueing to commits."""
    celery = Celery(app.import_name, set_as_current=False)
    celery.config_from_object(app.config["CELERY"])
    app.extensions["celery"] = celery
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
