"""Writing to and searching the append-only audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, func, select

from survey.extensions import db
from survey.models import AuditEvent


def record(action: str, obj: Any = None, *, actor: str | None = None, **details: Any) -> AuditEvent:
    """Add an audit row for *action* on *obj* by the current user (or *actor*); flushes.

    The row is hash-linked to the one before (:mod:`survey.models.audit`); on PostgreSQL that
    holds the log's append lock until the commit, so record last, after the transaction's work.
    """
    user = None
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        user = current_user
    event = AuditEvent(
        action=action,
        actor_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "cli"),
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        ip=(request.remote_addr or "") if has_request_context() else "",
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; empty fields do not filter."""

    #: an exact action, or a family such as ``login.*``
    action: str = ""
    #: part of the actor's e-mail (case-insensitive)
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    #: inclusive bounds, aware datetimes
    since: datetime | None = None
    until: datetime | None = None


def search(wanted: AuditFilter) -> Select:
    """Return the query of the events matching *wanted*, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if wanted.action.endswith(".*"):
        query = query.where(AuditEvent.action.startswith(wanted.action[:-1], autoescape=True))
    elif wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.actor:
        query = query.where(func.lower(AuditEvent.actor).contains(wanted.actor.strip().lower(), autoescape=True))
    if wanted.object_type:
        query = query.where(AuditEvent.object_type == wanted.object_type)
    if wanted.object_id:
        query = query.where(AuditEvent.object_id == wanted.object_id.strip())
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at <= wanted.until)
    return query


def known_values() -> tuple[list[str], list[str]]:
    """The distinct actions and object types in the log (choices of the filter form)."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = db.session.scalars(
        select(AuditEvent.object_type).where(AuditEvent.object_type != "").distinct().order_by(AuditEvent.object_type)
    )
    return list(actions), list(types)
