"""Staff accounts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

ROLES = ("admin", "editor", "analyst", "coordinator", "observer")
#: roles that see every region; a coordinator sees the regions given, an observer shared results only
NATIONAL_ROLES = ("admin", "editor", "analyst")

#: the regions a regional coordinator works on
user_regions = Table(
    "user_regions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True),
)
#: the rounds whose aggregated results are shared with an observer (e.g. the Ombudsman's Office)
round_shares = Table(
    "round_shares",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A member of staff (admin, editor, analyst), a regional coordinator, or an observer from a partner."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'editor', 'analyst', 'coordinator', 'observer')", name="role"),
    )

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

    regions: Mapped[list["Region"]] = relationship(secondary=user_regions, order_by="Region.ubigeo")  # noqa: F821
    shared_rounds: Mapped[list["Round"]] = relationship(secondary=round_shares, order_by="Round.id")  # noqa: F821

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
