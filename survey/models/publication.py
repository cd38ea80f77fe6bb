"""Public scorecards: the snapshot of a round's figures that staff published, and when it was withdrawn."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

#: the licence of published figures unless staff choose another
DEFAULT_LICENCE = "CC-BY-4.0"
LIVE = text("unpublished_at IS NULL")


class Publication(db.Model):
    """One publication of a round's results: exactly what the public pages, CSV, JSON and charts show.

    The snapshot is taken at publication and never changes; publishing again withdraws the live row
    and adds a new one, unpublishing withdraws it. A withdrawn row keeps who and when, not the figures.
    """

    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint("k >= 1", name="k"),
        # one live publication per round
        Index("uq_publications_live_round", "round_id", unique=True, sqlite_where=LIVE, postgresql_where=LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    #: the public figures only: suppressed cells carry no number (survey.publication.snapshot)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SHA-256 of the snapshot: the ETag of every public URL of this publication
    snapshot_hash: Mapped[str] = mapped_column(String(64), default="")
    #: table key -> keys of the cells shown (no numbers); kept when withdrawn, for later audits
    shown: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict, server_default="{}")
    #: response id -> [region, type, organisation, axis scores] of every response it counted (never published)
    members: Mapped[dict[str, list]] = mapped_column(JSON, default=dict, server_default="{}")
    #: the smallest number of responses a published figure may rest on
    k: Mapped[int] = mapped_column(default=3)
    licence: Mapped[str] = mapped_column(String(40), default=DEFAULT_LICENCE)
    #: staff chose to name organisations (an advocacy choice); otherwise institution types only
    is_naming_organisations: Mapped[bool] = mapped_column(default=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()  # noqa: F821
    published_by: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def is_live(self) -> bool:
        """True while the public pages show this publication."""
        return self.unpublished_at is None
