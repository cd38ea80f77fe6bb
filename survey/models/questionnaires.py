"""Questionnaires and their numbered versions; a published version never changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.database import guard_rows
from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow


class Questionnaire(db.Model):
    """A question set identified by a stable key, e.g. ``pnat-officials``."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable key of the definition document (``key``)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["QuestionnaireVersion"]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )

    @property
    def draft(self) -> "QuestionnaireVersion | None":
        """The version being edited, if any."""
        return next((v for v in self.versions if not v.is_published), None)

    @property
    def latest_published(self) -> "QuestionnaireVersion | None":
        """The highest-numbered published version, if any."""
        published = [v for v in self.versions if v.is_published]
        return published[-1] if published else None

    @property
    def latest(self) -> "QuestionnaireVersion":
        """The highest-numbered version, draft or published."""
        return self.versions[-1]


class QuestionnaireVersion(db.Model):
    """One numbered version of a questionnaire: the definition document itself.

    At most one draft per questionnaire (a partial unique index); once
    ``published_at`` is set, database triggers refuse any UPDATE or DELETE.
    """

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number", name="uq_questionnaire_versions_number"),
        Index(
            "uq_questionnaire_versions_one_draft",
            "questionnaire_id",
            unique=True,
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"))
    #: 1, 2, 3... in order of creation
    number: Mapped[int]
    #: the definition document (format in docs/definition-format.md)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: sha256 of the canonical document
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    published_by: Mapped["User | None"] = relationship(foreign_keys=[published_by_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821

    @property
    def is_published(self) -> bool:
        """True once the version is frozen."""
        return self.published_at is not None

    def load(self):
        """Return the immutable :class:`questionnaires.Questionnaire` of this version."""
        from survey.services.definitions import load_cached

        return load_cached(self.fingerprint, self.document)


guard_rows(
    QuestionnaireVersion.__table__,
    when_sqlite="OLD.published_at IS NOT NULL",
    when_pg="OLD.published_at IS NOT NULL",
    message="a published questionnaire version cannot be changed",
)
