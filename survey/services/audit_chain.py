"""Checking the audit log's hash chain against its entries and its head."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from survey import database
from survey.extensions import db
from survey.models.audit import GENESIS_HASH, AuditChain, AuditEvent, entry_digest

#: entries read per round trip while walking the log
BATCH = 1000


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify` found: how many entries, the last hash, the first broken link if any."""

    entries: int
    head_hash: str
    #: id of the first entry that breaks the chain (None: intact, or only the head disagrees)
    broken_id: int | None = None
    #: the first problem, in words (None: intact)
    problem: str | None = None

    @property
    def is_intact(self) -> bool:
        """True when every entry links to the one before and the head agrees."""
        return self.problem is None


def _short(digest: str) -> str:
    return digest[:16]


def _check_entry(event: AuditEvent, previous: AuditEvent | None, expected_prev: str) -> str | None:
    """Return the problem with *event* given the hash the entry before it ends with, or None."""
    if event.prev_hash != expected_prev:
        before = f"entry {previous.id}" if previous is not None else "the start of the log"
        return (f"it links to {_short(event.prev_hash)}… but {before} ends the chain at {_short(expected_prev)}…:"
                " an entry before it was removed, or rewritten together with its hash")
    if entry_digest(event) != event.entry_hash:
        return (f"its content ({event.action} by {event.actor or '?'} at {event.at.isoformat()}) no longer matches"
                f" its hash {_short(event.entry_hash)}…: it was changed after it was written")
    return None


def _check_head(head: AuditChain | None, count: int, last: AuditEvent | None, last_hash: str) -> str | None:
    """Return how the chain's head disagrees with the log walked (*count* entries), or None."""
    if head is None:
        return "the chain head (table audit_chain) is missing: it was deleted or the table emptied"
    last_id = last.id if last is not None else None
    if head.entries == count and head.last_hash == last_hash and head.last_id == last_id:
        return None
    seen = f"{count} entries" + (f" up to entry {last_id}" if last_id is not None else "")
    recorded = f"{head.entries} entries" + (f" up to entry {head.last_id}" if head.last_id is not None else "")
    if head.entries > count:
        why = "entries were removed from the end, or the log was emptied"
    else:
        why = "entries were written while the database's triggers were off"
    return f"the log has {seen} but its head records {recorded} ({_short(head.last_hash)}…): {why}"


def verify(expect: str | None = None) -> ChainCheck:
    """Walk the whole log in id order and report the first broken link, or that it is intact.

    *expect* is a head hash printed by an earlier run and kept elsewhere: the chain must pass
    through it, otherwise the log was rebuilt (every hash recomputed) or cut before it.

    Reads one consistent snapshot (REPEATABLE READ on PostgreSQL, a WAL reader on SQLite) so
    entries appended meanwhile neither block the app nor count as tampering.
    """
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        database.begin_reading()
    elif not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = session.get(AuditChain, 1)
    count, previous, expected = 0, None, GENESIS_HASH
    has_expected = expect in (None, GENESIS_HASH)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=BATCH))
    with events:  # a server-side cursor on PostgreSQL: closed even when the walk stops early
        for event in events:
            problem = _check_entry(event, previous, expected)
            if problem is not None:
                return ChainCheck(count, expected, broken_id=event.id, problem=f"entry {event.id}: {problem}")
            count, previous, expected = count + 1, event, event.entry_hash
            has_expected = has_expected or expected == expect
    if not has_expected:
        return ChainCheck(count, expected, problem=f"no entry has the hash {expect} recorded earlier:"
                                                   " the log was rebuilt with new hashes, or cut before it")
    return ChainCheck(count, expected, problem=_check_head(head, count, previous, expected))
