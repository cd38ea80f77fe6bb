"""The append-only audit log, each entry linked to the one before by a hash, and the chain's head.

Every entry stores the hash of the entry before it (``prev_hash``) and its own hash over its
content and that link (``entry_hash``), so a changed, removed or reordered entry breaks the
chain (``survey audit verify``). The head (``audit_chain``, one row) records how many entries
there are and the last hash; the database advances it on every insert and refuses anything
else, so cutting entries off the end shows too. Appends are serialized: on PostgreSQL by a
transaction-level advisory lock taken before the head is read, on SQLite by the write lock
every writing transaction already holds (BEGIN IMMEDIATE).
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    event,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey.database import add_triggers, guard_rows
from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

#: ``prev_hash`` of the first entry
GENESIS_HASH = "0" * 64
#: key of the PostgreSQL advisory lock that serializes appends ("audit" in ASCII)
APPEND_LOCK_KEY = 0x6175646974


class AuditEvent(db.Model):
    """Who did what to which object, when and from where. Rows are never changed."""

    __tablename__ = "audit_events"
    __mapper_args__ = {"batch": False}  # noqa: RUF012 (each insert reads the head the previous one moved)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: e-mail of the actor at the time (kept if the account changes), or "cli", "official:<id>"
    actor: Mapped[str] = mapped_column(String(254), default="")
    #: dotted verb, e.g. ``questionnaire.publish``, ``login.failed``
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: ``entry_hash`` of the entry before this one (:data:`GENESIS_HASH` for the first)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: sha256 of this entry's content and ``prev_hash`` (:func:`entry_digest`)
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChain(db.Model):
    """The head of the audit chain: one row, moved forward by the database on every append."""

    __tablename__ = "audit_chain"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: how many entries the log has had appended
    entries: Mapped[int] = mapped_column(Integer)
    #: id and hash of the last entry appended
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


def entry_digest(event: AuditEvent) -> str:
    """Return the sha256 (hex) of *event*'s content and its link to the entry before.

    The id is left out: the position is fixed by the link. The migration 0002_audit_chain holds
    a copy of this function, so that the hashes it wrote stay checkable if this one changes.
    """
    at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content = [event.prev_hash, at, event.actor_id, event.actor, event.action, event.object_type,
               event.object_id, event.ip, event.details]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_LOCK_APPENDS = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=APPEND_LOCK_KEY)
_READ_HEAD = select(AuditChain.last_hash).where(AuditChain.id == 1)


@event.listens_for(AuditEvent, "before_insert")
def _link_to_chain(_mapper, connection, target: AuditEvent) -> None:
    # Column defaults are applied at INSERT, after this hook: the hash needs them now.
    target.at = target.at or utcnow()
    for name in ("actor", "object_type", "object_id", "ip"):
        if getattr(target, name) is None:
            setattr(target, name, "")
    if target.details is None:
        target.details = {}
    if connection.dialect.name == "postgresql":
        # Held to the commit, so the next appender reads the head this one leaves.
        connection.execute(_LOCK_APPENDS)
    head = connection.execute(_READ_HEAD).scalar_one_or_none()
    if head is None:
        raise RuntimeError("the audit chain's head row is missing: run `survey audit verify`")
    target.prev_hash = head
    target.entry_hash = entry_digest(target)


# The app's PostgreSQL role may read and append, never change or truncate (survey db grant-app);
# the head only moves through the trigger below, which runs as the owner.
AuditEvent.__table__.info["app_grants"] = "SELECT, INSERT"
AuditChain.__table__.info["app_grants"] = "SELECT"

guard_rows(
    AuditEvent.__table__,
    when_sqlite="1",
    when_pg="TRUE",
    message="the audit log is append-only",
)

_NOT_LINKED = "audit entry does not link to the chain head"
_HEAD_GUARD = "the audit chain head only moves forward with the log"

add_triggers(AuditEvent.__table__, "sqlite", [
    (f"CREATE TRIGGER trg_audit_events_link BEFORE INSERT ON audit_events FOR EACH ROW WHEN NEW.prev_hash IS NOT "
    f"(SELECT last_hash FROM audit_chain WHERE id = 1) BEGIN SELECT RAISE(ABORT, '{_NOT_LINKED}'); END"),
    ("CREATE TRIGGER trg_audit_events_advance AFTER INSERT ON audit_events FOR EACH ROW BEGIN "
    "UPDATE audit_chain SET entries = entries + 1, last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1; END"),
])
add_triggers(AuditEvent.__table__, "postgresql", [
    # AFTER row triggers of one statement fire in row order once it ends; the head's row lock
    # and the WHERE on last_hash refuse an entry whose link another transaction moved past.
    ("CREATE OR REPLACE FUNCTION trg_audit_events_advance_fn() RETURNS trigger LANGUAGE plpgsql "
    "SECURITY DEFINER SET search_path FROM CURRENT AS $$ BEGIN "
    "UPDATE audit_chain SET entries = entries + 1, last_id = NEW.id, last_hash = NEW.entry_hash "
    "WHERE id = 1 AND last_hash = NEW.prev_hash; "
    f"IF NOT FOUND THEN RAISE EXCEPTION '{_NOT_LINKED}' USING ERRCODE = 'integrity_constraint_violation'; "
    "END IF; RETURN NULL; END $$"),
    ("CREATE TRIGGER trg_audit_events_advance AFTER INSERT ON audit_events FOR EACH ROW "
    "EXECUTE FUNCTION trg_audit_events_advance_fn()"),
    ("CREATE OR REPLACE FUNCTION trg_audit_no_truncate_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$"),
    ("CREATE TRIGGER trg_audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT "
    "EXECUTE FUNCTION trg_audit_no_truncate_fn()"),
])

# The head moves by one entry at a time, onto the entry that links to it; it is never deleted.
_HEAD_MOVES = ("NEW.id = OLD.id AND NEW.entries = OLD.entries + 1 AND EXISTS (SELECT 1 FROM audit_events "
               "WHERE id = NEW.last_id AND entry_hash = NEW.last_hash AND prev_hash = OLD.last_hash)")
add_triggers(AuditChain.__table__, "sqlite", [
    (f"CREATE TRIGGER trg_audit_chain_no_update BEFORE UPDATE ON audit_chain FOR EACH ROW WHEN NOT ({_HEAD_MOVES}) "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_GUARD}'); END"),
    (f"CREATE TRIGGER trg_audit_chain_no_delete BEFORE DELETE ON audit_chain FOR EACH ROW "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_GUARD}'); END"),
    # a second row, or a REPLACE of the first (which fires no DELETE trigger)
    (f"CREATE TRIGGER trg_audit_chain_no_insert BEFORE INSERT ON audit_chain FOR EACH ROW "
    f"WHEN EXISTS (SELECT 1 FROM audit_chain) BEGIN SELECT RAISE(ABORT, '{_HEAD_GUARD}'); END"),
    f"INSERT INTO audit_chain (id, entries, last_id, last_hash) VALUES (1, 0, NULL, '{GENESIS_HASH}')",
])
add_triggers(AuditChain.__table__, "postgresql", [
    ("CREATE OR REPLACE FUNCTION trg_audit_chain_guard_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'UPDATE' AND {_HEAD_MOVES} THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{_HEAD_GUARD}' USING ERRCODE = 'integrity_constraint_violation'; END $$"),
    ("CREATE TRIGGER trg_audit_chain_guard BEFORE UPDATE OR DELETE ON audit_chain FOR EACH ROW "
    "EXECUTE FUNCTION trg_audit_chain_guard_fn()"),
    ("CREATE OR REPLACE FUNCTION trg_audit_chain_no_truncate_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{_HEAD_GUARD}' USING ERRCODE = 'integrity_constraint_violation'; END $$"),
    ("CREATE TRIGGER trg_audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT "
    "EXECUTE FUNCTION trg_audit_chain_no_truncate_fn()"),
    f"INSERT INTO audit_chain (id, entries, last_id, last_hash) VALUES (1, 0, NULL, '{GENESIS_HASH}')",
])
