"""Rate-limit counters kept in the database when there is no Redis (see survey.ratelimit)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import db
from survey.models._types import UTCDateTime


class RateLimitHit(db.Model):
    """One counted event of a limit (a failed login, a wrong personal link), a moving-window log.

    A key's hits in the last N seconds are its count; rows past ``expires_at`` belong to no
    window any more and are pruned by the storage as it writes.
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_hit_at", "key", "hit_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the limit's key as the limits library builds it (prefix/scope/identifiers/amount/window)
    key: Mapped[str] = mapped_column(String(255))
    hit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
