"""What staff do with the outbox: counts per round, and the single retry by hand of a failed message."""
from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import AuditEvent, Invitation, OutboxMessage
from survey.services import audit
from survey.services.outbox import _join_batch

#: an e-mail address inside an SMTP error ("550 5.1.1 <ana@x.gob.pe>: unknown user")
_ADDRESS = re.compile(r"[^\s<>@,;:\"'()\[\]]+@[^\s<>@,;:\"'()\[\]]+")


def _without_person(error: str, invitation: Invitation | None) -> str:
    # The audit log can never be erased (Ley 29733): an SMTP error names the person by address,
    # sometimes by mailbox or name, so the log names the invitation instead.
    if invitation is None:
        return _ADDRESS.sub("<address>", error)
    placeholder = f"invitation:{invitation.id}"
    error = _ADDRESS.sub(placeholder, error)
    for part in {invitation.email.partition("@")[0], invitation.name}:
        if len(part) >= 3:
            error = re.sub(re.escape(part), placeholder, error, flags=re.IGNORECASE)
    return error


def has_been_retried(message: OutboxMessage) -> bool:
    """True if staff already retried *message* by hand (the audit log records it)."""
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "outbox.retry",
            AuditEvent.object_type == "outboxmessage",
            AuditEvent.object_id == str(message.id),
        )
    ) > 0


def can_retry_by_hand(message: OutboxMessage) -> bool:
    """A failed message may be retried by hand once."""
    return message.status == "failed" and not has_been_retried(message)


def retry_by_hand(message: OutboxMessage) -> bool:
    """Put a failed message back to pending once, audited; its task follows the commit.

    Returns False (and changes nothing) if it is not failed or was retried already.
    """
    if not can_retry_by_hand(message):
        return False
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "failed")
        .values(status="pending", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    audit.record("outbox.retry", message, kind=message.kind,
                 previous_error=_without_person(message.last_error, message.invitation)[:200] or None)
    db.session.refresh(message)
    _join_batch(message.id)
    return True


def counts_by_round(round_ids: Sequence[int], where=None) -> dict[int, dict[str, int]]:
    """Number of messages per state for each round: {round_id: {status: n}}.

    *where* is a clause on Invitation limiting the messages counted (a coordinator's regions).
    """
    result: dict[int, dict[str, int]] = {rid: {} for rid in round_ids}
    statement = (select(OutboxMessage.round_id, OutboxMessage.status, func.count(OutboxMessage.id))
                 .where(OutboxMessage.round_id.in_(list(round_ids))))
    if where is not None:
        statement = statement.join(Invitation, Invitation.id == OutboxMessage.invitation_id).where(where)
    rows = db.session.execute(statement.group_by(OutboxMessage.round_id, OutboxMessage.status))
    for round_id, status, count in rows:
        result[round_id][status] = count
    return result

