"""Mail tasks: send a batch of outbox messages over one SMTP connection; sweep the outbox.

Each message is claimed in a committed transaction before the SMTP call and marked
sent in another after it, so a redelivered or doubled task never sends it twice. A task
leases its batch in the outbox and renews the lease as it goes: if its worker is killed,
the sweep re-queues the rest of the batch once the lease runs out (a minute), without
waiting for the broker's visibility timeout (an hour).
"""
from __future__ import annotations

import logging
import time
from collections import Counter

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from survey import jobs
from survey.extensions import db
from survey.models._types import utcnow
from survey.services import catch_up, exports, mailer, outbox, outbox_sweep

logger = logging.getLogger(__name__)

#: a batch of 100 messages takes a few seconds; a dead server costs one 10 s timeout
SEND_TIME_LIMIT = 600
SWEEP_TIME_LIMIT = 120


def _visibility_timeout(app) -> float:
    return float((app.conf.broker_transport_options or {}).get("visibility_timeout", 3600))


#: kinds whose sending sets the invitation's ``invited_at``
INVITING_KINDS = ("invitation", "forward")


class Batch:
    """Sends drafts one by one over one connection, with one commit per message.

    Each commit confirms the previous message (sent) and claims the next one, so
    a message is always claimed in a committed transaction before its SMTP call,
    and at most one message per worker process is ever 'sending' unconfirmed.
    """

    def __init__(self, connection: mailer.Connection, message_ids: list[int]):
        self.connection = connection
        self.message_ids = message_ids
        self.stats: Counter[str] = Counter()
        self.retry: dict[int, float] = {}
        self._unconfirmed: tuple[mailer.Draft, mailer.Rendered] | None = None
        # renewed at a third of the lease: two renewals can be late before the sweep steps in
        self._renew_every = float(outbox.setting("SURVEY_OUTBOX_LEASE")) / 3
        self._leased_at = float("-inf")

    def hold(self) -> None:
        """Lease the batch's pending rows if the lease is a third gone (committed with the next claim)."""
        if time.monotonic() - self._leased_at >= self._renew_every:
            outbox.lease(self.message_ids)
            self._leased_at = time.monotonic()

    def _confirm(self) -> None:
        if self._unconfirmed is not None:
            draft, rendered = self._unconfirmed
            outbox.mark_sent(draft.message_id, rendered.subject, mailer.redact(draft, rendered.text),
                             invitation_id=draft.invitation_id if draft.kind in INVITING_KINDS else None)
            self._unconfirmed = None
            self.stats["sent"] += 1

    def deliver(self, draft: mailer.Draft) -> None:
        """Claim (committing the previous confirmation and the lease with it), send, and note the outcome."""
        self._confirm()
        self.hold()
        claimed = outbox.claim(draft.message_id)
        db.session.commit()
        if not claimed:
            self.stats["skipped"] += 1
            return
        try:
            rendered = mailer.render(draft)
            self.connection.send(mailer.build_email(draft, rendered))
        except SoftTimeLimitExceeded:
            state = mailer.UNKNOWN if self.connection.in_doubt else mailer.TEMPORARY
            failure = outbox.mark_failed(draft.message_id, f"{state}: time limit of the task reached",
                                         is_unknown=state == mailer.UNKNOWN)
            db.session.commit()
            if not failure.is_final:
                self.defer(draft.message_id, 1.0)
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is recorded; none may leave a row sending
            state, reason = mailer.classify(exc, in_doubt=self.connection.in_doubt)
            failure = outbox.mark_failed(draft.message_id, reason, is_permanent=state == mailer.PERMANENT,
                                         is_unknown=state == mailer.UNKNOWN)
            db.session.commit()
            logger.warning("outbox message %s: %s failure: %s", draft.message_id, state, reason)
            self.stats["failed" if failure.is_final else "deferred"] += 1
            if not failure.is_final:
                self.defer(draft.message_id, (failure.retry_at - utcnow()).total_seconds())
            return
        self._unconfirmed = (draft, rendered)

    def defer(self, message_id: int, seconds: float) -> None:
        """Leave *message_id* for the retry task, due in *seconds*."""
        self.retry[message_id] = seconds

    def close(self) -> None:
        """Confirm the last message sent and give the batch's lease back."""
        self._confirm()
        outbox.release(self.message_ids)
        db.session.commit()


@shared_task(name=jobs.SEND_MESSAGES, bind=True, max_retries=None,
             time_limit=SEND_TIME_LIMIT, soft_time_limit=SEND_TIME_LIMIT - 60)
def send(self, message_ids: list[int]) -> dict[str, int]:
    """Send the pending messages among *message_ids*; retry the temporary failures later.

    The retry carries only the ids still to send, after the longest backoff among them
    but well within the broker's visibility timeout.
    """
    drafts = mailer.prepare(message_ids)
    remaining = list(drafts)
    with mailer.Connection.from_config(current_app.config) as connection:
        batch = Batch(connection, [draft.message_id for draft in drafts])
        batch.hold()
        db.session.commit()
        try:
            while remaining:
                draft = remaining.pop(0)
                wait = (draft.next_attempt_at - utcnow()).total_seconds() if draft.next_attempt_at else 0.0
                if wait > 0:
                    batch.defer(draft.message_id, wait)
                else:
                    batch.deliver(draft)
        except SoftTimeLimitExceeded:
            for draft in remaining:
                batch.defer(draft.message_id, 1.0)
        finally:
            batch.close()
    if batch.retry:
        countdown = min(max(max(batch.retry.values()), 0.5), _visibility_timeout(self.app) / 2)
        logger.info("mail.send: %s sent, %s to retry in %.1f s", batch.stats["sent"], len(batch.retry), countdown)
        raise self.retry(args=(sorted(batch.retry),), countdown=countdown)
    return dict(batch.stats)


@shared_task(name=jobs.SEND_RECEIPTS, time_limit=SWEEP_TIME_LIMIT, soft_time_limit=SWEEP_TIME_LIMIT - 20)
def send_receipts() -> int:
    """Queue mail.send tasks for every receipt not tried yet; returns how many tasks.

    Sent by the submitting view at most once per window per process, after the window: it
    finds every receipt committed during it. A receipt in two such runs is claimed once.
    """
    message_ids = outbox.unsent_receipt_ids()
    db.session.rollback()
    return outbox.send_later(message_ids)


@shared_task(name=jobs.SWEEP_OUTBOX, time_limit=SWEEP_TIME_LIMIT, soft_time_limit=SWEEP_TIME_LIMIT - 20)
def sweep() -> dict[str, int]:
    """Queue again every kind of work whose task may be lost (beat, every minute).

    The database is the record: messages still pending (a dead worker's batch, a task lost
    with the broker), claims of a dead worker (an invitation or reminder sent again once),
    exports still queued or whose builder died, and results older than their last submission.
    """
    report = outbox_sweep.sweep()
    export_ids = exports.requeue_stale()
    round_ids = catch_up.rounds_with_stale_results()
    db.session.commit()
    outbox.send_later(report.requeued)
    for export_id in export_ids:
        jobs.enqueue(jobs.BUILD_EXPORT, export_id)
    for round_id in round_ids:
        jobs.enqueue(jobs.AGGREGATE_ROUND, round_id)
    if report.resent:
        logger.warning("outbox: %d invitation(s)/reminder(s) claimed by a worker that stopped before the SMTP "
                       "server confirmed them; sent again once with the same Message-ID: ids %s",
                       len(report.resent), report.resent[:50])
    if report.abandoned:
        logger.error("outbox: %d message(s) claimed by a worker that stopped before the SMTP server "
                     "confirmed them; marked failed (unknown outcome), not resent: ids %s",
                     len(report.abandoned), report.abandoned[:50])
    return {"requeued": len(report.requeued), "resent": len(report.resent), "abandoned": len(report.abandoned),
            "exports": len(export_ids), "rounds": len(round_ids)}
