"""Which officials get which reminder now, under each round's reminder policy.

A reminder is due when a checkpoint passed since the official was last written to:
a "days before closing" moment, or ``interval_days`` after the last message. Nobody
gets more than ``max_count``; nothing goes out in the quiet hours (Lima time); only
officials who have neither submitted nor declined, of open rounds, are reminded. In a
per-organisation round, an organisation's officials are reminded until its response is submitted.

Reminder *n* of an invitation is the outbox row (invitation, "reminder", n): the
UNIQUE key makes a second one impossible, even when two dispatchers run at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from survey.extensions import db
from survey.models import Invitation, OutboxMessage, Response, Round, User
from survey.models._types import utcnow
from survey.models.users import user_regions
from survey.services.rounds import DEFAULT_POLICY

LIMA = ZoneInfo("America/Lima")
#: invitation states that still receive reminders
REMINDABLE = ("invited", "opened", "in_progress")


def policy_of(round_: Round) -> dict[str, Any]:
    """The round's reminder policy with defaults for missing keys."""
    return {**DEFAULT_POLICY, **(round_.reminder_policy or {})}


def _clock(text: str | None) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def is_quiet(policy: dict[str, Any], now: datetime) -> bool:
    """True if *now* falls in the policy's quiet hours, read on Lima's clock.

    A window may wrap midnight ("20:00" to "08:00"); equal ends mean no quiet hours.
    """
    start, end = _clock(policy.get("quiet_start")), _clock(policy.get("quiet_end"))
    if start is None or end is None or start == end:
        return False
    local = now.astimezone(LIMA).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def threshold(round_: Round, policy: dict[str, Any], now: datetime) -> datetime | None:
    """The latest checkpoint at or before *now*: whoever was last written to before it is due.

    None when no checkpoint has passed (no reminder due in this round).
    """
    moments = [round_.closes_at - timedelta(days=int(d)) for d in policy.get("days_before_close") or []]
    if policy.get("interval_days"):
        moments.append(now - timedelta(days=int(policy["interval_days"])))
    passed = [moment for moment in moments if moment <= now]
    return max(passed) if passed else None


@dataclass(frozen=True)
class Due:
    """One message to queue: reminder (or escalation copy) number *seq* of an invitation."""

    invitation_id: int
    kind: str
    seq: int
    to_addr: str


def due_in(round_: Round, now: datetime) -> list[Due]:
    """The reminders (and escalation copies) due now in *round_*."""
    policy = policy_of(round_)
    if not round_.is_accepting(now) or is_quiet(policy, now):
        return []
    since = threshold(round_, policy, now)
    max_count = int(policy.get("max_count") or 0)
    if since is None or max_count <= 0:
        return []
    statement = (
        select(Invitation.id, Invitation.reminders_sent, Invitation.email, Invitation.region_id)
        .where(
            Invitation.round_id == round_.id,
            Invitation.status.in_(REMINDABLE),
            Invitation.invited_at.is_not(None),
            Invitation.reminders_sent < max_count,
            func.coalesce(Invitation.last_reminded_at, Invitation.invited_at) < since,
        )
        .order_by(Invitation.id)
    )
    if round_.is_per_organisation:
        # Everyone of an organisation is reminded until the organisation's response is submitted, not after.
        submitted = select(Response.organisation_id).where(
            Response.round_id == round_.id, Response.organisation_id.is_not(None), Response.submitted_at.is_not(None))
        statement = statement.where(or_(Invitation.organisation_id.is_(None),
                                        Invitation.organisation_id.not_in(submitted)))
    rows = db.session.execute(statement).all()
    escalate_after, escalate_to = policy.get("escalate_after"), policy.get("escalate_to")
    coordinators = coordinators_by_region() if escalate_after else {}
    due: list[Due] = []
    for invitation_id, sent, email, region_id in rows:
        seq = sent + 1
        due.append(Due(invitation_id, "reminder", seq, email))
        to_addr = coordinators.get(region_id) or escalate_to
        if escalate_after and to_addr and seq >= int(escalate_after):
            due.append(Due(invitation_id, "escalation", seq, to_addr))
    return due


def coordinators_by_region() -> dict[int, str]:
    """The addresses an escalation goes to in each region: its active regional coordinators.

    The round's own escalation address is the fallback for regions without one. Several
    coordinators share one message (a To list that fits the outbox's address column).
    """
    rows = db.session.execute(
        select(user_regions.c.region_id, User.email)
        .join(User, User.id == user_regions.c.user_id)
        .where(User.role == "coordinator", User.is_enabled)
        .order_by(user_regions.c.region_id, User.email)
    ).all()
    addresses: dict[int, list[str]] = {}
    for region_id, email in rows:
        listed = addresses.setdefault(region_id, [])
        if len(", ".join([*listed, email])) <= 254:
            listed.append(email)
    return {region_id: ", ".join(emails) for region_id, emails in addresses.items()}


def claim_due(now: datetime | None = None) -> list[int]:
    """Add the outbox rows of every reminder due now; returns their ids.

    Rows that already exist (another dispatcher got there first) are skipped by the
    UNIQUE key, and only the invitations whose reminder row this call inserted get
    their counter moved on. The caller commits, then queues the ids.
    """
    now = now or utcnow()
    rounds = db.session.scalars(
        select(Round).where(Round.status == "open", Round.opens_at <= now, Round.closes_at > now)
    ).all()
    ids: list[int] = []
    for round_ in rounds:
        due = due_in(round_, now)
        if not due:
            continue
        inserted = _insert(round_, due, now)
        reminded = [invitation_id for _id, invitation_id, kind in inserted if kind == "reminder"]
        for start in range(0, len(reminded), 500):
            db.session.execute(
                update(Invitation)
                .where(Invitation.id.in_(reminded[start:start + 500]))
                .values(reminders_sent=Invitation.reminders_sent + 1, last_reminded_at=now)
                .execution_options(synchronize_session=False)
            )
        ids.extend(message_id for message_id, _inv, _kind in inserted)
    return sorted(ids)


def _insert(round_: Round, due: list[Due], now: datetime) -> list[tuple[int, int, str]]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING (message id, invitation id, kind) of new rows."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {"invitation_id": d.invitation_id, "round_id": round_.id, "kind": d.kind, "seq": d.seq,
         "to_addr": d.to_addr, "status": "pending", "attempts": 0, "last_error": "", "created_at": now,
         "subject": "", "body_text": ""}
        for d in due
    ]
    statement = (
        insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["invitation_id", "kind", "seq"])
        .returning(OutboxMessage.id, OutboxMessage.invitation_id, OutboxMessage.kind)
    )
    return [tuple(row) for row in db.session.execute(statement, rows)]
