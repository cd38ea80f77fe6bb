"""The only seam from the web app to the workers: queue a task by name, after commit.

The web app never imports ``workers``. Tasks get ids, never ORM objects, and are sent
only once the transaction that created their rows has committed, so no task (and no
e-mail) exists for a rolled-back row.

A send that fails after the commit (the broker is down) is logged, never raised: the change
is committed, and the database is the record of the work, so the periodic sweep (mail.sweep)
queues it again once the broker is back. The response then carries a notice saying the e-mails
or the workbook will leave a little later (:func:`_notice_delay`, for every view).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Celery
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    has_app_context,
    has_request_context,
)
from flask_babel import gettext as _
from sqlalchemy import event

from survey.extensions import db

log = logging.getLogger(__name__)

SEND_MESSAGES = "mail.send"
SEND_RECEIPTS = "mail.send_receipts"
DISPATCH_REMINDERS = "reminders.dispatch"
SWEEP_OUTBOX = "mail.sweep"
AGGREGATE_ROUND = "results.aggregate"
AGGREGATE_ALL_ROUNDS = "results.aggregate_all"
BUILD_EXPORT = "exports.build"
EXPIRE_EXPORTS = "exports.expire"

ALL = (SEND_MESSAGES, SEND_RECEIPTS, DISPATCH_REMINDERS, SWEEP_OUTBOX, AGGREGATE_ROUND, BUILD_EXPORT, EXPIRE_EXPORTS,
       AGGREGATE_ALL_ROUNDS)


def celery_app() -> Celery:
    """The Celery app bound to the current Flask app (a producer only, on the web side)."""
    return current_app.extensions["celery"]


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Send task *name* with plain arguments once the current transaction commits.

    Outside a transaction (nothing pending) it is sent at once. Either way a broker that
    cannot be reached is logged and noted (:func:`is_delayed`), not raised.
    """
    session = db.session()
    if _has_pending_writes(session):
        pending = session.info.setdefault("survey_after_commit", [])
        pending.append((name, args, options))
        return
    _publish([(name, args, options)])


def is_delayed() -> bool:
    """True if work committed in this request (or task) could not be queued: the broker is down.

    Nothing is lost (the sweep queues it once the broker is back); the response says the
    e-mails or the workbook will leave a little later.
    """
    return has_app_context() and bool(g.get("survey_delayed_tasks"))


def _notice_delay(response: Response) -> Response:
    # Every view that queues work, through one hook: the user learns the work is delayed, not
    # lost, and does not click again. Background work (receipts, results) needs no notice.
    delayed = set(g.get("survey_delayed_tasks", ())) if has_request_context() else set()
    if SEND_MESSAGES in delayed:
        flash(_("La cola de tareas no responde en este momento: los correos saldrán en cuanto vuelva. "
                "El cambio quedó guardado; no hace falta repetirlo."), "info")
    if BUILD_EXPORT in delayed:
        flash(_("La cola de tareas no responde en este momento: el libro se preparará en cuanto vuelva. "
                "La solicitud quedó guardada; no hace falta repetirla."), "info")
    g.pop("survey_delayed_tasks", None)
    return response


def _publish(pending: list[tuple[str, tuple, dict]]) -> None:
    app = celery_app()
    try:
        # One producer from the pool for all the tasks of a commit, not one acquire per task.
        with app.producer_or_acquire() as producer:
            for name, args, options in pending:
                app.send_task(name, args=list(args), producer=producer, **options)
    except Exception:  # after the commit: the change stands, the sweep queues the work again
        log.warning("could not queue %d task(s) (%s) after the commit; the sweep will queue the work again",
                    len(pending), ", ".join(sorted({name for name, _args, _options in pending})), exc_info=True)
        delayed = g.setdefault("survey_delayed_tasks", [])
        delayed.extend(name for name, _args, _options in pending)


_debounce_lock = threading.Lock()


def enqueue_debounced(name: str, *args: Any, seconds: float) -> None:
    """Send task *name* at most once per *seconds* per process for the same arguments.

    The task is sent with ``countdown=seconds``, so it runs after the window and sees
    everything committed during it: requests skipped in the window are covered by it.
    Only for tasks whose run works from the database (results.aggregate, mail.send_receipts),
    after a commit: a broker outage is logged, not raised, as periodic runs catch up. With
    *seconds* 0, or writes pending (a rollback would drop the send), it is :func:`enqueue`.
    """
    if seconds <= 0 or _has_pending_writes(db.session()):
        enqueue(name, *args)
        return
    key = (name, args)
    # Per app, not per module: an app has its own broker, and a send skipped for one must not
    # count as done for another in the same process.
    debounced_at = current_app.extensions["survey_debounced_at"]
    with _debounce_lock:
        now = time.monotonic()
        if now - debounced_at.get(key, float("-inf")) < seconds:
            return
        debounced_at[key] = now
    try:
        celery_app().send_task(name, args=list(args), countdown=seconds)
    except Exception:  # the caller's transaction has committed: do not fail its request
        debounced_at.pop(key, None)  # not sent: the next request tries again (and the sweep, nightly runs)
        g.setdefault("survey_delayed_tasks", []).append(name)
        log.warning("could not queue %s%r; the next request or the periodic runs will", name, args, exc_info=True)


def _has_pending_writes(session) -> bool:
    return session.in_transaction() and bool(session.new or session.dirty or session.deleted
                                              or session.info.get("survey_wrote"))


def _after_flush(session, _ctx) -> None:
    session.info["survey_wrote"] = True


def _on_execute(state) -> None:
    # INSERT/UPDATE/DELETE statements run through the session write without a flush.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["survey_wrote"] = True


def _after_commit(session) -> None:
    pending = session.info.pop("survey_after_commit", [])
    session.info.pop("survey_wrote", None)
    if not pending or not has_app_context():
        return
    _publish(pending)


def _after_rollback(session) -> None:
    session.info.pop("survey_after_commit", None)
    session.info.pop("survey_wrote", None)


def init_app(app: Flask) -> None:
    """Create the producer-side Celery app and hook enqueueing to commits."""
    celery = Celery(app.import_name, set_as_current=False)
    celery.config_from_object(app.config["CELERY"])
    app.extensions["celery"] = celery
    #: (task name, args) -> time.monotonic() of its last debounced send by this app
    app.extensions["survey_debounced_at"] = {}
    app.after_request(_notice_delay)
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def _after_soft_rollback(session, previous_transaction) -> None:
    # A savepoint rolled back inside a transaction that goes on to commit keeps the
    # tasks queued before it; only the end of the outermost transaction drops them.
    if previous_transaction.parent is None:
        _after_rollback(session)
