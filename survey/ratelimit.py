"""Rate-limit counters shared by every web process, and the failure limits built on them.

With Redis the limits library keeps the counters there. Without it (the embedded run) they
used to live in each gunicorn process, so every worker allowed the whole limit again. The
``survey+sql://`` storage keeps them in the database instead, as a moving-window log of hits
(:class:`survey.models.ratelimit.RateLimitHit`), on an engine of its own: a hit commits at once
and never joins, waits for or rolls back with the request's transaction.

On SQLite the log lives in a file of its own beside the instance (``rate-limits.sqlite``):
a request's transaction holds SQLite's single write lock from its first query, so a hit
written to the same file during that request would wait for its own request.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from sqlalchemy import bindparam, delete, event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from survey.extensions import limiter
from survey.models.ratelimit import RateLimitHit

log = logging.getLogger(__name__)

SCHEME = "survey+sql"
#: the counters' own file when the database is SQLite
SQLITE_FILE = "rate-limits.sqlite"
#: expired hits are deleted by a writer at most this often per process (seconds)
PRUNE_EVERY = 60.0
_MAX_KEY = 255
_WRITING = "survey_ratelimit_writing"

_hits = RateLimitHit.__table__
_COUNT = select(func.min(_hits.c.hit_at), func.count()).where(
    _hits.c.key == bindparam("key"), _hits.c.hit_at >= bindparam("since"))
_FIRST_EXPIRY = select(func.min(_hits.c.expires_at)).where(
    _hits.c.key == bindparam("key"), _hits.c.expires_at > bindparam("now"))
_LIVE = select(func.count()).where(_hits.c.key == bindparam("key"), _hits.c.expires_at > bindparam("now"))
_INSERT = insert(_hits)
_PRUNE = delete(_hits).where(_hits.c.expires_at < bindparam("now"))


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _short(key: str) -> str:
    # an e-mail of 254 characters and an address can make a key longer than the column
    return key if len(key) <= _MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _tune_sqlite(engine: Engine) -> None:
    """WAL and a busy timeout; writers begin IMMEDIATE (they count then insert), readers deferred."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "busy_timeout=10000", "synchronous=NORMAL"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        is_writing = connection.get_execution_options().get(_WRITING, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_writing else "BEGIN")


class SQLStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage on a SQL database: ``survey+sql://`` with the ``database_url`` option.

    Counting and inserting happen in one short transaction that holds the key: the write lock
    on SQLite, an advisory lock on the key on PostgreSQL. So concurrent hits from several
    processes never both take the last place of a window.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, database_url: str = "",
                 **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        if not database_url:
            raise ValueError(f"{SCHEME}:// needs the database_url storage option")
        # A connection per use: cheap next to what is limited (a password hash, a failed lookup),
        # and nothing is shared with a parent process after a fork.
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._pruned_at = 0.0
        if self.is_sqlite:
            _tune_sqlite(self.engine)
            with self._writing("") as connection:
                _hits.create(connection, checkfirst=True)
                for index in _hits.indexes:
                    index.create(connection, checkfirst=True)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @contextmanager
    def _writing(self, key: str) -> Iterator[Connection]:
        with self.engine.connect().execution_options(**{_WRITING: True}) as connection, connection.begin():
            if not self.is_sqlite and key:
                lock = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
                connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
            yield connection

    def _reading(self) -> Connection:
        return self.engine.connect()

    def _add(self, connection: Connection, key: str, now: float, expiry: float, amount: int) -> None:
        expires_at = _moment(now + expiry)
        connection.execute(_INSERT, [{"key": key, "hit_at": _moment(now), "expires_at": expires_at}] * amount)
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            connection.execute(_PRUNE, {"now": _moment(now)})

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record *amount* hits unless the last *expiry* seconds already hold *limit* - *amount* + 1."""
        if amount > limit:
            return False
        key = _short(key)
        with self._writing(key) as connection:
            now = time.time()
            _, count = connection.execute(_COUNT, {"key": key, "since": _moment(now - expiry)}).one()
            if count + amount > limit:
                return False
            self._add(connection, key, now, expiry, amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(time of the oldest hit in the window, or now; hits in the last *expiry* seconds)."""
        now = time.time()
        with self._reading() as connection:
            oldest, count = connection.execute(_COUNT, {"key": _short(key), "since": _moment(now - expiry)}).one()
        return (oldest.timestamp() if oldest is not None else now), count

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed-window counting on the same log: the window ends *expiry* seconds after its first hit."""
        key = _short(key)
        with self._writing(key) as connection:
            now = time.time()
            first_expiry = connection.execute(_FIRST_EXPIRY, {"key": key, "now": _moment(now)}).scalar()
            left = first_expiry.timestamp() - now if first_expiry is not None else expiry
            self._add(connection, key, now, left, amount)
            return connection.execute(_LIVE, {"key": key, "now": _moment(now)}).scalar_one()

    def get(self, key: str) -> int:
        """Hits of the key's current fixed window."""
        with self._reading() as connection:
            return connection.execute(_LIVE, {"key": _short(key), "now": _moment(time.time())}).scalar_one()

    def get_expiry(self, key: str) -> float:
        """When the key's current fixed window ends (now when there is none)."""
        now = time.time()
        with self._reading() as connection:
            first_expiry = connection.execute(_FIRST_EXPIRY, {"key": _short(key), "now": _moment(now)}).scalar()
        return first_expiry.timestamp() if first_expiry is not None else now

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with self._reading() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        """Forget every hit; returns how many there were."""
        with self._writing("") as connection:
            return connection.execute(delete(_hits)).rowcount

    def clear(self, key: str) -> None:
        """Forget the hits of one key."""
        key = _short(key)
        with self._writing(key) as connection:
            connection.execute(delete(_hits).where(_hits.c.key == key))


def counters_url(app: Flask) -> str:
    """The database that holds the counters: the app's, or a file of their own beside a SQLite one."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(app.instance_path) / SQLITE_FILE}"


#: used when the shared storage fails: a limit must never fail open
_fallback = MovingWindowRateLimiter(MemoryStorage())


def _limiter() -> RateLimiter | None:
    return limiter.limiter if limiter.enabled else None


class FailureLimit:
    """At most *limit* failures (``"20/minute"``) per identifiers, over a moving window.

    Only failures are counted (:meth:`count`); a request that succeeds costs no write at all.
    If the shared storage fails, this process counts on its own rather than not at all.
    """

    def __init__(self, scope: str, limit: str | RateLimitItem) -> None:
        self.scope = scope
        self.item = parse(limit) if isinstance(limit, str) else limit

    def _call(self, method: str, *identifiers: str):
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        args = (prefix, self.scope, *identifiers) if prefix else (self.scope, *identifiers)
        strategy = _limiter()
        if strategy is None:
            return None
        try:
            return getattr(strategy, method)(self.item, *args)
        except Exception:  # any storage outage: count here rather than not at all
            log.warning("rate-limit storage unavailable for %s; counting in this process", self.scope, exc_info=True)
            return getattr(_fallback, method)(self.item, *args)

    def is_exceeded(self, *identifiers: str) -> bool:
        """True when the window already holds *limit* failures: the next attempt is refused."""
        return self._call("test", *identifiers) is False

    def count(self, *identifiers: str) -> bool:
        """Count one failure; False when the window was already full (nothing counted)."""
        return self._call("hit", *identifiers) is not False

    def recent(self, *identifiers: str) -> int:
        """Failures in the current window."""
        stats = self._call("get_window_stats", *identifiers)
        return 0 if stats is None else self.item.amount - stats.remaining
