"""How failed staff logins are limited without handing an attacker a way to lock an account.

- per (account, address): the owner's typos and one guesser at one place; that pair is refused
  for the rest of the window, while the right password from anywhere else still works;
- per address, whatever the accounts: one place guessing many accounts;
- per account from every address, only far higher: a brake, not a lock. Each attempt then
  needs a slot (one every few seconds for the account), and addresses the account has logged
  in from before skip the brake, so its owner gets in while a crowd of addresses guesses;
- the owner is told by e-mail, once per window, how many attempts failed and from where.

Counters are keyed by the e-mail as typed (normalised), whether or not an account has it,
so the answers do not tell which e-mails exist. Only failures are counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import func, select

from survey import jobs
from survey.extensions import db
from survey.models import AuditEvent, OutboxMessage, User
from survey.models._types import utcnow
from survey.ratelimit import FailureLimit

#: the window of every login counter (ASVS asks for at most 100 failures an hour)
WINDOW_MINUTES = 15
PAIR = FailureLimit("login-pair", f"5 per {WINDOW_MINUTES} minutes")
ADDRESS = FailureLimit("login-address", f"10 per {WINDOW_MINUTES} minutes")
ACCOUNT = FailureLimit("login-account", f"1000 per {WINDOW_MINUTES} minutes")
#: failures of one account in the window from which its brake applies
BRAKE_AFTER = 50
#: while braked, an account takes one attempt per this many seconds from addresses it is new to
BRAKE_SECONDS = 10
BRAKE = FailureLimit("login-brake", f"1 per {BRAKE_SECONDS} seconds")
#: failures of one account in the window that make its owner get an e-mail (once per window)
ALERT_AFTER = 5
ALERT = FailureLimit("login-alert", f"1 per {WINDOW_MINUTES} minutes")
#: addresses a successful login came from within this time skip the brake
KNOWN_ADDRESS_DAYS = 90
#: the outbox kind of the owner's e-mail
ALERT_KIND = "login_alert"


def account_key(email: str | None) -> str:
    """The e-mail as the counters know it: however it was typed."""
    return (email or "").strip().lower()[:254]


def _address() -> str:
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Refusal:
    """Why a login attempt is refused before its password is checked."""

    #: "address", "pair" (wait the window) or "brake" (wait a few seconds)
    reason: str
    retry_after: int


def _user_id(email: str) -> int | None:
    return db.session.scalar(select(User.id).where(func.lower(User.email) == email))


def _is_known_address(email: str, address: str) -> bool:
    user_id = _user_id(email)
    if user_id is None:
        return False
    since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "login.success", AuditEvent.object_type == "user",
                                    AuditEvent.object_id == str(user_id), AuditEvent.ip == address,
                                    AuditEvent.at >= since).limit(1)) is not None


def refusal(email: str | None) -> Refusal | None:
    """Whether this attempt from this address must be refused now, before any password check."""
    account, address = account_key(email), _address()
    if ADDRESS.is_exceeded(address):
        return Refusal("address", WINDOW_MINUTES * 60)
    if PAIR.is_exceeded(account, address):
        return Refusal("pair", WINDOW_MINUTES * 60)
    # The account-wide brake: only at a far higher count, and it slows (a slot every few
    # seconds) rather than locks; the owner's usual addresses are not slowed at all.
    is_braked = ACCOUNT.recent(account) >= BRAKE_AFTER and not _is_known_address(account, address)
    if is_braked and not BRAKE.count(account):
        return Refusal("brake", BRAKE_SECONDS)
    return None


def record_failure(email: str | None, user: User | None) -> int | None:
    """Count a failed attempt; queue the owner's e-mail when due. Returns the message id queued.

    Call before the view's audit record and commit: the e-mail's task leaves after the commit.
    """
    account, address = account_key(email), _address()
    PAIR.count(account, address)
    ADDRESS.count(address)
    ACCOUNT.count(account)
    if user is None or not user.is_enabled or ACCOUNT.recent(account) < ALERT_AFTER:
        return None
    if not ALERT.count(str(user.id)):  # already told in this window (by any process)
        return None
    message = OutboxMessage(kind=ALERT_KIND, to_addr=user.email)
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(jobs.SEND_MESSAGES, [message.id])
    return message.id


@dataclass(frozen=True)
class FailedAttempts:
    """What the owner's e-mail says: how many attempts failed, from which addresses."""

    count: int
    addresses: list[str]
    window_minutes: int = WINDOW_MINUTES


#: the failure that triggers the e-mail is audited just after the message row is written
_AUDIT_LAG = timedelta(minutes=1)


def failed_attempts(user_id: int, noticed_at: datetime) -> FailedAttempts:
    """The failed logins of one account in the window before *noticed_at*, from the audit log."""
    since = noticed_at - timedelta(minutes=WINDOW_MINUTES)
    rows = db.session.execute(
        select(AuditEvent.ip, func.count()).where(
            AuditEvent.action == "login.failed", AuditEvent.object_type == "user",
            AuditEvent.object_id == str(user_id), AuditEvent.at >= since, AuditEvent.at <= noticed_at + _AUDIT_LAG)
        .group_by(AuditEvent.ip).order_by(func.count().desc(), AuditEvent.ip)).all()
    return FailedAttempts(sum(n for _, n in rows), [ip or "?" for ip, _ in rows])
