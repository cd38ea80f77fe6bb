"""The outbox: one row per e-mail to send, claimed in the database before sending."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

#: a login_alert has no invitation: it tells a member of staff about failed logins (survey.auth.limits)
#: a query (seq = the staff message's id) asks the respondent about one answer (survey.verification)
MESSAGE_KINDS = ("invitation", "reminder", "receipt", "escalation", "failure_notice", "forward", "login_alert",
                 "query")
MESSAGE_STATES = ("pending", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    """An e-mail for one invitation: at most one row per (invitation, kind, seq).

    The database, not the broker, is the record of what was sent: a message is
    claimed (pending -> sending) in a committed transaction before the SMTP call.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("invitation_id", "kind", "seq", name="uq_outbox_messages_key"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent"),
        Index("ix_outbox_messages_unsent", "status", postgresql_where=text("status <> 'sent'"),
              sqlite_where=text("status <> 'sent'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    #: invitation, reminder, receipt, escalation, failure_notice, forward
    kind: Mapped[str] = mapped_column(String(20))
    #: 0 for one-off messages; the reminder number or receipt revision otherwise
    seq: Mapped[int] = mapped_column(default=0)
    #: recipient address, fixed when queued (escalations go to a coordinator)
    to_addr: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a worker last claimed it (pending -> sending)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: earliest time of the next attempt (backoff after a temporary failure)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a running mail.send task holds the row until then (it renews the lease as it goes);
    #: a pending row whose lease ran out belongs to a worker that died, and the sweep re-queues it
    lease_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when a send of it first ended with an unknown outcome; an invitation or reminder is then
    #: sent again automatically, once, with the same Message-ID
    unknown_outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: subject and body as rendered when sent (the embedded outbox shows them)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")

    invitation: Mapped["Invitation | None"] = relationship()  # noqa: F821
