"""The outbox's repair round (mail.sweep, from beat): lost tasks and workers that died mid-send."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import OutboxMessage
from survey.models._types import utcnow
from survey.services.outbox import UNKNOWN_OUTCOME, notify_failure, setting


@dataclass
class SweepReport:
    """What a sweep did: pending ids queued again, and stale ``sending`` ids given up."""

    requeued: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)


def sweep(now: datetime | None = None) -> SweepReport:
    """Repair what lost tasks and dead workers left behind; the caller commits, then queues.

    - pending rows, due, untouched for SURVEY_OUTBOX_REQUEUE_AFTER: their task was
      lost (broker flushed, restarted without persistence, enqueue failed after the
      commit); they are touched (``next_attempt_at = now``) and returned to be queued
      again. A duplicate task is harmless: :func:`claim` lets only one send.
    - ``sending`` rows claimed more than SURVEY_OUTBOX_STALE_AFTER ago: the worker
      died between the claim and the confirmation, and the server may or may not have
      accepted the message. Sending again could e-mail the official twice, so they
      become ``failed`` ("unknown outcome") and the round's creator is told; staff
      check and retry by hand if needed.
    """
    now = now or utcnow()
    requeue_before = now - timedelta(seconds=float(setting("SURVEY_OUTBOX_REQUEUE_AFTER")))
    stale_before = now - timedelta(seconds=float(setting("SURVEY_OUTBOX_STALE_AFTER")))
    report = SweepReport()
    touched = func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.claimed_at, OutboxMessage.created_at)
    report.requeued = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", touched <= requeue_before)
        .order_by(OutboxMessage.id)
    ))
    for chunk in _chunks(report.requeued):
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(chunk), OutboxMessage.status == "pending")
            .values(next_attempt_at=now).execution_options(synchronize_session=False)
        )
    report.abandoned = list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= stale_before)
        .order_by(OutboxMessage.id)
    ))
    for chunk in _chunks(report.abandoned):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk), OutboxMessage.status == "sending")
            .values(status="failed", last_error=f"{UNKNOWN_OUTCOME}: the worker stopped before the mail "
                                                f"server confirmed; check with the official before retrying")
            .execution_options(synchronize_session=False)
        )
    notify_failure(report.abandoned)
    return report


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
