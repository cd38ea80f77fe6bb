"""Staff accounts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

ROLES = ("admin", "editor", "analyst")


class User(UserMixin, db.Model):
    """A member of staff: admin, editor or analyst."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor', 'analyst')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: set by an admin (new account, reset): the user must choose their own before anything else
    has_temporary_password: Mapped[bool] = mapped_column(default=False)
    #: bumped at logout, password change or deactivation: older session cookies stop working
    session_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(5), default="es")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login's name
        """A deactivated user cannot log in or keep a session."""
        return self.is_enabled

    def get_id(self) -> str:
        """Session identity: the id plus the session version, so a bump revokes cookies."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        """True if the user is an admin or has one of *roles*."""
        return self.role == "admin" or self.role in roles
