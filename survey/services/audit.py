"""Writing to the append-only audit log."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from survey.extensions import db
from survey.models import AuditEvent


def record(action: str, obj: Any = None, *, actor: str | None = None, **details: Any) -> AuditEvent:
    """Add an audit row for *action* on *obj* by the current user (or *actor*); flushes."""
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
