"""Computed results of a round, kept up to date by the results.aggregate task."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow


class RoundResult(db.Model):
    """One block of a round's results, upserted by (round, scope, scope key).

    Scopes: ``question`` (key: question key; counts by value), ``national`` (key ""),
    ``institution`` and ``region`` (key: their id), ``responses`` (key ""; per-response
    indices). A recomputation rewrites every block, so a doubled task changes nothing.
    """

    __tablename__ = "round_results"
    __table_args__ = (UniqueConstraint("round_id", "scope", "scope_key", name="uq_round_results_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(20))
    scope_key: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResultRefresh(db.Model):
    """When a round's results were last computed, and whether a later run is already booked."""

    __tablename__ = "result_refreshes"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a deferred run is queued for this time (debounce of bursts of submissions)
    deferred_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how long the last computation took, in milliseconds
    duration_ms: Mapped[int] = mapped_column(default=0)
