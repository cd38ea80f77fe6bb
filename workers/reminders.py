"""Reminder dispatch (beat): queue the reminders due now, then send them in batches."""
from __future__ import annotations

from celery import shared_task

from survey import jobs
from survey.extensions import db
from survey.services import outbox, reminders


@shared_task(name=jobs.DISPATCH_REMINDERS, time_limit=300, soft_time_limit=240)
def dispatch() -> int:
    """Add the outbox rows of the reminders due now, commit, and queue mail.send batches.

    Safe to run twice at once (two beats by mistake): the outbox's UNIQUE key lets
    one reminder number exist once per invitation.
    """
    message_ids = reminders.claim_due()
    db.session.commit()
    outbox.send_later(message_ids)
    return len(message_ids)
