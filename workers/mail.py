"""Mail tasks: send a batch of outbox messages over one SMTP connection; sweep the outbox.

Each message is claimed in a committed transaction before the SMTP call and marked
sent in another after it, so a redelivered or doubled task never sends it twice.
"""
from __future__ import annotations

import logging
from collections import Counter

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from survey import jobs
from survey.extensions import db
from survey.models._types import utcnow
from survey.services import mailer, outbox

logger = logging.getLogger(__name__)

#: a batch of 100 messages takes a few seconds; a dead server costs one 10 s timeout
SEND_TIME_LIMIT = 600
SWEEP_TIME_LIMIT = 120


def _visibility_timeout(app) -> float:
    return float((app.conf.broker_transport_options or {}).get("visibility_timeout", 3600))


def _deliver(draft: mailer.Draft, connection: mailer.Connection) -> outbox.Failure | str:
    """Claim, send and confirm one message; returns "sent", "skipped" or the failure."""
    if not outbox.claim(draft.message_id):
        db.session.rollback()
        return "skipped"
    db.session.commit()
    try:
        rendered = mailer.render(draft)
        connection.send(mailer.build_email(draft, rendered))
    except SoftTimeLimitExceeded as exc:
        state = mailer.UNKNOWN if connection.in_doubt else mailer.TEMPORARY
        outbox.mark_failed(draft.message_id, f"{state}: time limit of the task reached",
                           is_permanent=state == mailer.UNKNOWN)
        db.session.commit()
        raise exc
    except Exception as exc:  # every failure is recorded on the row; none may leave it 'sending'
        state, reason = mailer.classify(exc, in_doubt=connection.in_doubt)
        failure = outbox.mark_failed(draft.message_id, reason, is_permanent=state != mailer.TEMPORARY)
        db.session.commit()
        logger.warning("outbox message %s: %s failure: %s", draft.message_id, state, reason)
        return failure
    outbox.mark_sent(draft.message_id, rendered.subject, mailer.redact(draft, rendered.text))
    db.session.commit()
    return "sent"


@shared_task(name=jobs.SEND_MESSAGES, bind=True, max_retries=None,
             time_limit=SEND_TIME_LIMIT, soft_time_limit=SEND_TIME_LIMIT - 60)
def send(self, message_ids: list[int]) -> dict[str, int]:
    """Send the pending messages among *message_ids*; retry the temporary failures later.

    The retry carries only the ids still to send, after the longest backoff among them
    but well within the broker's visibility timeout.
    """
    drafts = mailer.prepare(message_ids)
    db.session.rollback()
    stats: Counter[str] = Counter()
    later: list[int] = []
    wait = 0.0
    remaining = list(drafts)
    with mailer.Connection.from_config(current_app.config) as connection:
        try:
            while remaining:
                draft = remaining.pop(0)
                now = utcnow()
                if draft.next_attempt_at is not None and draft.next_attempt_at > now:
                    later.append(draft.message_id)
                    wait = max(wait, (draft.next_attempt_at - now).total_seconds())
                    continue
                result = _deliver(draft, connection)
                if isinstance(result, outbox.Failure):
                    stats["failed" if result.is_final else "deferred"] += 1
                    if not result.is_final:
                        later.append(draft.message_id)
                        wait = max(wait, (result.retry_at - utcnow()).total_seconds())
                else:
                    stats[result] += 1
        except SoftTimeLimitExceeded:
            later.extend(draft.message_id for draft in remaining)
            wait = max(wait, 1.0)
    if later:
        countdown = min(max(wait, 0.5), _visibility_timeout(self.app) / 2)
        logger.info("mail.send: %s sent, %s to retry in %.1f s", stats["sent"], len(later), countdown)
        raise self.retry(args=(later,), countdown=countdown)
    return dict(stats)


@shared_task(name=jobs.SWEEP_OUTBOX, time_limit=SWEEP_TIME_LIMIT, soft_time_limit=SWEEP_TIME_LIMIT - 20)
def sweep() -> dict[str, int]:
    """Queue again the pending messages whose task was lost; give up on stale claims (beat)."""
    report = outbox.sweep()
    db.session.commit()
    outbox.send_later(report.requeued)
    if report.abandoned:
        logger.error("outbox: %d message(s) claimed by a worker that stopped before the SMTP server "
                     "confirmed them; marked failed (unknown outcome), not resent: ids %s",
                     len(report.abandoned), report.abandoned[:50])
    return {"requeued": len(report.requeued), "abandoned": len(report.abandoned)}
