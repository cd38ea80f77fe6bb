"""Rounds of a questionnaire, the officials invited to them, and their responses."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

ROUND_STATES = ("draft", "open", "closed")
#: an invitation is for an official of a State body or a member of a civil-society organisation
SECTORS = ("state", "civil")
INVITATION_STATES = ("invited", "opened", "in_progress", "submitted", "declined", "revoked")


class Round(db.Model):
    """One data-collection round, e.g. "Informe Alternativo 2026", on a published version."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="status"),
        CheckConstraint("closes_at > opens_at", name="dates"),
        CheckConstraint("retention_days >= 0", name="retention"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: purpose shown to officials on the welcome page
    description: Mapped[str] = mapped_column(Text, default="")
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"))
    #: the published version new responses start on (staff may move it to a newer one)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: officials may change their answers after submitting, until the round closes
    allow_edit_after_submit: Mapped[bool] = mapped_column(default=False)
    #: minutes it takes to answer, shown on the welcome page
    estimated_minutes: Mapped[int] = mapped_column(default=30)
    #: reminder policy (see the workers): days_before_close, interval_days, max_count, quiet hours, escalation
    reminder_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: days the invited people's personal data is kept after the round closes; then staff may erase it
    retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    #: one response per organisation: every official invited for the same organisation works on it
    #: (survey.services.institutional); settable while the round is a draft
    is_per_organisation: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    questionnaire: Mapped["Questionnaire"] = relationship()  # noqa: F821
    version: Mapped["QuestionnaireVersion"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    invitations: Mapped[list["Invitation"]] = relationship(back_populates="round", order_by="Invitation.id")

    def is_accepting(self, now: datetime | None = None) -> bool:
        """True when officials can answer: open, and between the opening and closing times."""
        now = now or utcnow()
        return self.status == "open" and self.opens_at <= now < self.closes_at


class Invitation(db.Model):
    """An official invited to a round, reached through a personal link.

    The link's token is derived from ``token_nonce`` with a key outside the database
    (see :mod:`survey.tokens`); only its SHA-256 is stored.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('invited', 'opened', 'in_progress', 'submitted', 'declined', 'revoked')", name="status"
        ),
        CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked"),
        CheckConstraint("sector IN ('state', 'civil')", name="sector"),
        Index(
            "uq_invitations_round_email_active",
            "round_id",
            "email",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        # One focal point per organisation in a round (survey.services.institutional)
        Index("uq_invitations_focal_point", "round_id", "organisation_id", unique=True,
              sqlite_where=text("is_focal_point"), postgresql_where=text("is_focal_point")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    #: the organisation the person answers for (a State body or a civil-society group)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                        index=True)
    #: "state" (an official) or "civil" (a member of a watchdog group or NGO): what they are asked
    sector: Mapped[str] = mapped_column(String(5), default="state", server_default="state")
    position: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="es")
    #: random nonce; the token is HMAC(key, id:nonce). Rotating it kills the old link.
    token_nonce: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the current token, for lookup
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="invited")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the invitation e-mail was sent
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the invitation this one was forwarded from (a colleague of the same institution)
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the person's name, e-mail, position and free text were erased (Ley 29733)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: in a per-organisation round, the one who submits for the organisation (chosen by staff; without
    #: a choice, the first invited: see survey.services.institutional.focal_point)
    is_focal_point: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    round: Mapped[Round] = relationship(back_populates="invitations")
    institution: Mapped["Institution | None"] = relationship()  # noqa: F821
    region: Mapped["Region | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    response: Mapped["Response | None"] = relationship(back_populates="invitation", uselist=False)
    #: the organisation's response in a per-organisation round (read-only: see responses.response_for)
    shared_response: Mapped["Response | None"] = relationship(
        primaryjoin="and_(foreign(Response.round_id) == Invitation.round_id, "
                    "foreign(Response.organisation_id) == Invitation.organisation_id)",
        viewonly=True, uselist=False)

    def represented(self, language: str = "es") -> str:
        """The name of what the person answers for: their organisation, else their institution's type."""
        if self.organisation is not None:
            return self.organisation.name
        return self.institution.name(language) if self.institution is not None else ""


class Response(db.Model):
    """The answers of one invitation: saved page by page, then submitted once.

    Records the questionnaire version it answered; a response in progress keeps its
    version even if the round moves to a newer one.
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("revision >= 0", name="revision"),
        # In a per-organisation round, one response per organisation
        Index("uq_responses_round_organisation", "round_id", "organisation_id", unique=True,
              sqlite_where=text("organisation_id IS NOT NULL"),
              postgresql_where=text("organisation_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"))
    #: current answers by question key (hidden questions never stored)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: key of the section the official was on, to resume there
    current_section: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: number of submitted revisions (0 while never submitted)
    revision: Mapped[int] = mapped_column(default=0)
    #: per-axis index of the submitted answers {axis: 0..100 or null}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: set in a per-organisation round: the organisation whose shared response this is (the invitation
    #: above is the one that opened it first)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    #: who last changed each section, in a per-organisation round: {section_key: {"invitation_id", "at"}}
    section_changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))

    invitation: Mapped[Invitation] = relationship(back_populates="response")
    round: Mapped[Round] = relationship()
    version: Mapped["QuestionnaireVersion"] = relationship()  # noqa: F821
    revisions: Mapped[list["ResponseRevision"]] = relationship(
        back_populates="response", order_by="ResponseRevision.number"
    )

    @property
    def is_submitted(self) -> bool:
        """True once submitted at least once."""
        return self.submitted_at is not None


class ResponseRevision(db.Model):
    """A submitted state of a response; each change after submitting adds one."""

    __tablename__ = "response_revisions"
    __table_args__ = (UniqueConstraint("response_id", "number", name="uq_response_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    number: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="revisions")


class Answer(db.Model):
    """One submitted answer value, flattened for SQL aggregation.

    A multiple-choice answer is one row per selected option (``item`` = option); a
    grid is one row per row (``item`` = row, or ``row__column`` for numeric cells).
    """

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_round_question_value", "round_id", "question_key", "value"),
        Index("ix_answers_response", "response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64), default="")
    #: the value as text (option value, 'true'/'false', ISO date, number, free text cut to 500)
    value: Mapped[str] = mapped_column(String(500), default="")
    #: the numeric value when the answer is a number (for means and sums in SQL)
    number: Mapped[float | None] = mapped_column(Float)


class SectionAssignment(db.Model):
    """In a per-organisation round, a section only one official of the organisation may change.

    Sections without a row are open to every official of the organisation.
    """

    __tablename__ = "section_assignments"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    section_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship()
