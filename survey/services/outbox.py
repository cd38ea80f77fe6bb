"""The outbox: one row per e-mail, claimed in the database before it is sent.

Life of a message: ``pending`` -> ``sending`` (claimed, committed before the SMTP call)
-> ``sent``; a temporary SMTP failure puts it back to ``pending`` with a later
``next_attempt_at``; a permanent one, or too many attempts, makes it ``failed``.

The database, not the broker, is the record. A mail.send task leases its batch
(``lease_ends_at``, renewed as it goes), so :func:`survey.services.outbox_sweep.sweep` can
re-queue a dead worker's batch within a lease instead of waiting for the broker, and
re-queues pending rows whose task was lost. A send whose outcome is unknown (the worker died,
or the connection dropped after the data went out) is sent again automatically once, with the
same Message-ID, if it is an invitation or a reminder; otherwise, or the second time, it is
failed with a note for staff (who may retry by hand once).
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from survey import jobs
from survey.extensions import db
from survey.models import Invitation, OutboxMessage, Round, User
from survey.models._types import utcnow

#: messages per mail.send task: one SMTP connection serves a whole batch
BATCH_SIZE = 100

#: defaults of the SURVEY_MAIL_* / SURVEY_OUTBOX_* settings (seconds unless stated)
DEFAULTS = {
    "SURVEY_MAIL_MAX_ATTEMPTS": 8,
    "SURVEY_MAIL_BACKOFF_BASE": 30.0,
    "SURVEY_MAIL_BACKOFF_MAX": 600.0,
    # a pending, due row nobody touched for this long lost its task
    "SURVEY_OUTBOX_REQUEUE_AFTER": 300.0,
    # a 'sending' row claimed this long ago lost its worker: one SMTP exchange takes a few
    # operations of at most SURVEY_SMTP_TIMEOUT (10 s) each
    "SURVEY_OUTBOX_STALE_AFTER": 120.0,
    # how long a mail.send task holds its batch without renewing: past it the worker is gone
    "SURVEY_OUTBOX_LEASE": 60.0,
}

UNKNOWN_OUTCOME = "unknown outcome"
#: kinds sent again automatically, once, after an unknown outcome: a lost one is a lost answer
RESENT_KINDS = ("invitation", "reminder")


def setting(name: str) -> float:
    """An outbox setting from the app config, or its default."""
    return current_app.config.get(name, DEFAULTS[name])


def add(invitation: Invitation, kind: str, seq: int = 0, *, to_addr: str | None = None) -> OutboxMessage:
    """Add the message (invitation, kind, seq) unless it exists, without queueing a task.

    Idempotent: adding the same message twice returns the existing row.
    """
    return db.session.get(OutboxMessage, _add(invitation, kind, seq, to_addr)[0])


def _add(invitation: Invitation, kind: str, seq: int, to_addr: str | None) -> tuple[int, bool]:
    # One INSERT guarded by the UNIQUE key instead of select-then-insert: cheaper, and two
    # parallel transactions cannot both add the message (the loser gets no row back).
    key = {"m_invitation_id": invitation.id, "m_kind": kind, "m_seq": seq}
    message_id = db.session.scalar(_INSERT_NEW[db.session.get_bind().dialect.name], {
        **key, "m_round_id": invitation.round_id, "m_to_addr": to_addr or invitation.email})
    if message_id is not None:
        return message_id, True
    return db.session.scalars(_FIND_BY_KEY, key).one(), False


def _insert_new(dialect_insert):
    table = OutboxMessage.__table__
    return (
        dialect_insert(table)
        .values(invitation_id=bindparam("m_invitation_id"), round_id=bindparam("m_round_id"),
                kind=bindparam("m_kind"), seq=bindparam("m_seq"), to_addr=bindparam("m_to_addr"))
        .on_conflict_do_nothing(index_elements=["invitation_id", "kind", "seq"])
        .returning(table.c.id)
    )


#: built once per dialect: a receipt is queued on every submission
_INSERT_NEW = {"postgresql": _insert_new(postgresql.insert), "sqlite": _insert_new(sqlite.insert)}
_FIND_BY_KEY = select(OutboxMessage.id).where(
    OutboxMessage.invitation_id == bindparam("m_invitation_id"), OutboxMessage.kind == bindparam("m_kind"),
    OutboxMessage.seq == bindparam("m_seq"))


def queue(invitation: Invitation, kind: str, seq: int = 0, *, to_addr: str | None = None) -> int:
    """Add the message (see :func:`add`) and return its id; its send task follows the commit.

    Messages queued in one transaction share tasks of up to :data:`BATCH_SIZE` ids.
    """
    message_id, is_new = _add(invitation, kind, seq, to_addr)
    if is_new:
        _join_batch(message_id)
    return message_id


def add_receipt(invitation: Invitation, revision: int) -> int:
    """Add the receipt of submission *revision* and return its id, with no task of its own.

    The submitting view sends ``mail.send_receipts`` after its commit, at most once per window
    per process (see :func:`unsent_receipt_ids`); the sweeper covers a task that got lost.
    """
    return _add(invitation, "receipt", revision, None)[0]


def unsent_receipt_ids(limit: int = 10_000) -> list[int]:
    """Ids of receipts never tried yet, oldest first (the work of ``mail.send_receipts``).

    A receipt that failed once has its ``next_attempt_at`` and belongs to its retry task.
    """
    return list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.kind == "receipt",
               OutboxMessage.next_attempt_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ))


def _join_batch(message_id: int) -> None:
    # A mail.send task still waiting for this transaction's commit takes the id,
    # so opening a round for 10,000 officials makes 100 tasks, not 10,000.
    for name, args, _options in reversed(db.session.info.get("survey_after_commit", [])):
        if name == jobs.SEND_MESSAGES and len(args[0]) < BATCH_SIZE:
            args[0].append(message_id)
            return
    jobs.enqueue(jobs.SEND_MESSAGES, [message_id])


def send_later(message_ids: Sequence[int]) -> int:
    """Queue mail.send tasks for *message_ids*, :data:`BATCH_SIZE` per task; returns the task count.

    Inside a transaction with writes the tasks wait for its commit (survey.jobs);
    after the commit they go at once. Tasks carry ids only.
    """
    batches = [list(message_ids[i:i + BATCH_SIZE]) for i in range(0, len(message_ids), BATCH_SIZE)]
    for batch in batches:
        jobs.enqueue(jobs.SEND_MESSAGES, batch)
    return len(batches)


def claim(message_id: int, now: datetime | None = None) -> bool:
    """Take a due pending message for sending (pending -> sending, attempts + 1).

    One atomic UPDATE: of two workers holding the same id, one wins. The caller
    commits before talking to the SMTP server. False if it was not claimable
    (sent, being sent, failed, or waiting for a later attempt).
    """
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1, lease_ends_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def lease(message_ids: Sequence[int], now: datetime | None = None) -> None:
    """Hold the pending rows among *message_ids* for SURVEY_OUTBOX_LEASE seconds; the caller commits.

    A running mail.send task calls it at its start and again well before the lease ends,
    so a lease that ran out means the task's worker died: the sweep re-queues those rows.
    """
    if not message_ids:
        return
    until = (now or utcnow()) + timedelta(seconds=float(setting("SURVEY_OUTBOX_LEASE")))
    db.session.execute(_SET_LEASE, {"l_ids": list(message_ids), "l_until": until})


def release(message_ids: Sequence[int]) -> None:
    """End the lease of *message_ids* (the task is done with them); the caller commits."""
    if message_ids:
        db.session.execute(_SET_LEASE, {"l_ids": list(message_ids), "l_until": None})


_SET_LEASE = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("l_ids", expanding=True)), OutboxMessage.status == "pending")
    .values(lease_ends_at=bindparam("l_until"))
    .execution_options(synchronize_session=False)
)


def mark_sent(message_id: int, subject: str, body_text: str, now: datetime | None = None, *,
              invitation_id: int | None = None) -> bool:
    """Record a message as sent with the text it was sent with; the caller commits.

    For an invitation e-mail pass *invitation_id*: the invitation's ``invited_at`` is
    set the first time (reminders count from it).
    """
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
        .values(status="sent", sent_at=now, next_attempt_at=None, subject=subject[:300], body_text=body_text)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    if invitation_id is not None:
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.invited_at.is_(None))
            .values(invited_at=now)
            .execution_options(synchronize_session=False)
        )
    return True


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter.

    Half the delay is fixed and half random, so retries of a batch spread out but
    still grow with each attempt.
    """
    base = float(setting("SURVEY_MAIL_BACKOFF_BASE"))
    delay = min(float(setting("SURVEY_MAIL_BACKOFF_MAX")), base * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class Failure:
    """What became of a failed attempt: retry at ``retry_at``, or given up."""

    message_id: int
    retry_at: datetime | None

    @property
    def is_final(self) -> bool:
        """True when the message is now ``failed`` for good."""
        return self.retry_at is None


def mark_failed(message_id: int, reason: str, *, is_permanent: bool = False, is_unknown: bool = False,
                now: datetime | None = None) -> Failure:
    """Record a failed attempt of a claimed message; the caller commits.

    A temporary failure goes back to pending with a backed-off ``next_attempt_at``
    until the attempt cap; then, or at once for a permanent one, the message fails
    and the round's creator gets a failure notice. An unknown outcome (*is_unknown*)
    is failed like a permanent one, except the first one of an invitation or a reminder,
    which is sent again (see :func:`resend_after_unknown_outcome`).
    """
    now = now or utcnow()
    if is_unknown:
        if resend_after_unknown_outcome([message_id], reason, now=now):
            return Failure(message_id, now)
        is_permanent = True
    attempts = db.session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)) or 0
    if not is_permanent and attempts < int(setting("SURVEY_MAIL_MAX_ATTEMPTS")):
        retry_at = now + timedelta(seconds=backoff(attempts))
        values = {"status": "pending", "next_attempt_at": retry_at, "last_error": reason[:2000]}
    else:
        retry_at = None
        values = {"status": "failed", "next_attempt_at": None, "last_error": reason[:2000]}
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if retry_at is None:
        notify_failure([message_id])
    return Failure(message_id, retry_at)


def resend_after_unknown_outcome(message_ids: Sequence[int], reason: str, now: datetime | None = None) -> list[int]:
    """Put back to pending, due now, the 'sending' invitations and reminders among *message_ids*
    whose outcome was never unknown before; returns their ids. The caller commits, then queues.

    The server may already have the message: the copy goes out with the same Message-ID
    (fixed per row), so a receiving server can drop it. A second unknown outcome is not
    resent: an official must not get the same mail again and again.
    """
    now = now or utcnow()
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "sending",
               OutboxMessage.kind.in_(RESENT_KINDS), OutboxMessage.unknown_outcome_at.is_(None))
        .values(status="pending", unknown_outcome_at=now, next_attempt_at=now, lease_ends_at=None,
                last_error=f"{reason[:1900]} (sent again automatically, once, with the same Message-ID)")
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(rows.scalars())


def notify_failure(message_ids: Iterable[int]) -> list[int]:
    """Queue a failure notice to the round's creator for each failed message; returns their ids.

    A notice about a notice is never sent (no loops); the notice's seq is the id of
    the failed message, so the UNIQUE key makes a second notice impossible.
    """
    rows = db.session.execute(
        select(OutboxMessage, User.email)
        .join(Round, Round.id == OutboxMessage.round_id)
        .join(User, User.id == Round.created_by_id)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.kind != "failure_notice")
    ).all()
    return [queue(message.invitation, "failure_notice", message.id, to_addr=email)
            for message, email in rows if message.invitation is not None]
