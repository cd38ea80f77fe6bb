"""Supporting documents officials attach to an answer (an ordinance, a budget sheet)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow


class Evidence(db.Model):
    """One file attached to the answer of ``question_key`` in a response.

    The bytes live in the evidence storage (a private directory or an S3 bucket) under ``stored_key``, a
    random name; ``original_name`` is the sanitised name the official's file had, used only for downloads.
    A removed file keeps its row (``removed_at``) for the audit trail; its bytes are deleted.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size"),
        Index("ix_evidence_response_question", "response_id", "question_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    #: where the storage backend keeps the bytes: random, never derived from the original name
    stored_key: Mapped[str] = mapped_column(String(128), unique=True)
    size_bytes: Mapped[int]
    #: the type libmagic read from the content (never the browser's claim or the extension)
    content_type: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    #: True when clamd scanned the file and found nothing; False when no scanner was configured
    is_scanned: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    response: Mapped["Response"] = relationship()  # noqa: F821
