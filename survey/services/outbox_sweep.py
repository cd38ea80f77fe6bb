"""The outbox's repair round (mail.sweep, from beat): lost tasks and workers that died mid-send."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from survey.extensions import db
from survey.models import OutboxMessage
from survey.models._types import utcnow
from survey.services.outbox import (
    UNKNOWN_OUTCOME,
    notify_failure,
    resend_after_unknown_outcome,
    setting,
)


@dataclass
class SweepReport:
    """What a sweep did: pending ids queued again (resent ones included), and ``sending`` ids given up."""

    requeued: list[int] = field(default_factory=list)
    #: 'sending' rows of a dead worker sent again once (invitations and reminders)
    resent: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)


def sweep(now: datetime | None = None) -> SweepReport:
    """Repair what lost tasks and dead workers left behind; the caller commits, then queues.

    - pending rows of a dead worker's batch: their lease ran out (the task renews it while it
      runs); they are queued again at once, so work resumes within a lease and a sweep period.
    - pending rows, due, untouched for SURVEY_OUTBOX_REQUEUE_AFTER and not leased: their task
      was lost (broker down when it was queued, flushed, restarted without persistence).
    - ``sending`` rows claimed more than SURVEY_OUTBOX_STALE_AFTER ago: the worker died between
      the claim and the confirmation, and the server may or may not have the message. An
      invitation or reminder is sent again once with the same Message-ID (an official who never
      gets the link is a lost answer); anything else, or a second time, becomes ``failed``
      ("unknown outcome") and the round's creator is told.

    Requeued rows are touched (``next_attempt_at = now``, lease cleared), so the next sweeps
    leave them to their new task. A duplicate task is harmless: :func:`claim` lets only one send.
    """
    now = now or utcnow()
    requeue_before = now - timedelta(seconds=float(setting("SURVEY_OUTBOX_REQUEUE_AFTER")))
    stale_before = now - timedelta(seconds=float(setting("SURVEY_OUTBOX_STALE_AFTER")))
    report = SweepReport()
    stale = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= stale_before)
        .order_by(OutboxMessage.id)
    ))
    for chunk in _chunks(stale):
        report.resent += resend_after_unknown_outcome(
            chunk, f"{UNKNOWN_OUTCOME}: the worker stopped before the mail server confirmed", now=now)
    resent = set(report.resent)
    report.abandoned = [message_id for message_id in stale if message_id not in resent]
    for chunk in _chunks(report.abandoned):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk), OutboxMessage.status == "sending")
            .values(status="failed", last_error=f"{UNKNOWN_OUTCOME}: the worker stopped before the mail "
                                                f"server confirmed; check with the official before retrying")
            .execution_options(synchronize_session=False)
        )
    notify_failure(report.abandoned)
    touched = func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.claimed_at, OutboxMessage.created_at)
    is_due = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    report.requeued = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending",
               or_(and_(OutboxMessage.lease_ends_at <= now, is_due),
                   and_(OutboxMessage.lease_ends_at.is_(None), touched <= requeue_before)))
        .order_by(OutboxMessage.id)
    ))
    for chunk in _chunks(report.requeued):
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(chunk), OutboxMessage.status == "pending")
            .values(next_attempt_at=now, lease_ends_at=None).execution_options(synchronize_session=False)
        )
    report.requeued = sorted({*report.requeued, *report.resent})
    return report


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
