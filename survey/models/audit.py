"""The append-only audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.database import guard_rows
from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Who did what to which object, when and from where. Rows are never changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: e-mail of the actor at the time (kept if the account changes), or "cli", "official:<id>"
    actor: Mapped[str] = mapped_column(String(254), default="")
    #: dotted verb, e.g. ``questionnaire.publish``, ``login.failed``
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# The app's PostgreSQL role may read and append, never change or truncate (survey db grant-app).
AuditEvent.__table__.info["app_grants"] = "SELECT, INSERT"

guard_rows(
    AuditEvent.__table__,
    when_sqlite="1",
    when_pg="TRUE",
    message="the audit log is append-only",
)
