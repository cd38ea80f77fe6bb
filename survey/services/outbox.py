"""Queueing e-mails: an outbox row now, a send task after the commit."""
from __future__ import annotations

from sqlalchemy import select

from survey import jobs
from survey.extensions import db
from survey.models import Invitation
from survey.models.outbox import OutboxMessage


def queue(invitation: Invitation, kind: str, seq: int = 0, *, to_addr: str | None = None) -> OutboxMessage:
    """Add the message (invitation, kind, seq) unless it exists; the send task follows the commit.

    Idempotent: queueing the same message twice returns the existing row.
    """
    existing = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation.id,
            OutboxMessage.kind == kind,
            OutboxMessage.seq == seq,
        )
    )
    if existing is not None:
        return existing
    message = OutboxMessage(
        invitation=invitation,
        round_id=invitation.round_id,
        kind=kind,
        seq=seq,
        to_addr=to_addr or invitation.email,
    )
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(jobs.SEND_MESSAGES, [message.id])
    return message
