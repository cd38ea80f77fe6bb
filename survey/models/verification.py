"""Staff verification of submitted answers, queries to respondents, and plausibility checks.

A :class:`Verification` records staff's decision on one answer of a response (verified with its
source, contested with a note, or queried). A :class:`Query` reopens exactly one question on the
respondent's personal link; its :class:`QueryMessage` rows are the thread. A
:class:`PlausibilityRule` tunes, per round, which numbers are flagged against last year's answer
and the round's percentiles; a :class:`PlausibilityNote` keeps the respondent's confirmation of a
flagged value.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

VERIFICATION_STATES = ("open", "verified", "contested", "queried")
QUERY_STATES = ("open", "closed")
MESSAGE_AUTHORS = ("staff", "respondent")


class Verification(db.Model):
    """Staff's decision on the answer to *question_key* of one response (no row: still open)."""

    __tablename__ = "verifications"
    __table_args__ = (
        UniqueConstraint("response_id", "question_key", name="uq_verifications_answer"),
        CheckConstraint("state IN ('open', 'verified', 'contested', 'queried')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="open")
    #: the document or source that backs a verified answer
    source: Mapped[str] = mapped_column(Text, default="")
    #: why an answer is contested
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship()  # noqa: F821


class Query(db.Model):
    """A question reopened for the respondent: one open query per answer at a time."""

    __tablename__ = "answer_queries"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed"),
        Index("uq_answer_queries_open", "response_id", "question_key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the revision the respondent's correction created (None: answered without a change)
    closed_revision: Mapped[int | None] = mapped_column()

    messages: Mapped[list[QueryMessage]] = relationship(back_populates="query", order_by="QueryMessage.id")


class QueryMessage(db.Model):
    """One message of a query's thread, from staff or from the respondent."""

    __tablename__ = "answer_query_messages"
    __table_args__ = (CheckConstraint("author IN ('staff', 'respondent')", name="author"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("answer_queries.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    #: a respondent's correction: the answer before and after (JSON values; both None without a change)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    query: Mapped[Query] = relationship(back_populates="messages")
    user: Mapped[User | None] = relationship()  # noqa: F821


class PlausibilityRule(db.Model):
    """A round's plausibility rule (no row: the defaults of survey.verification.plausibility)."""

    __tablename__ = "plausibility_rules"
    __table_args__ = (
        CheckConstraint("change_ratio > 0 AND change_absolute >= 0", name="change"),
        CheckConstraint("percentile_low >= 0 AND percentile_low < percentile_high AND percentile_high <= 100",
                        name="percentiles"),
    )

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    #: a change is large when it exceeds this share of last year's value (0.5 = ±50 %) ...
    change_ratio: Mapped[float] = mapped_column(Float, default=0.5)
    #: ... and this much in absolute terms
    change_absolute: Mapped[float] = mapped_column(Float, default=5.0)
    percentile_low: Mapped[float] = mapped_column(Float, default=1.0)
    percentile_high: Mapped[float] = mapped_column(Float, default=99.0)
    #: fewer answers than this in the round and no value is flagged by percentile
    percentile_min_count: Mapped[int] = mapped_column(default=20)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlausibilityNote(db.Model):
    """The respondent confirmed a flagged *value* (with an optional note); a different value needs it again."""

    __tablename__ = "plausibility_notes"

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
