"""Workbook exports of a round: requested by staff, built by a worker, downloaded, then expired."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

EXPORT_STATES = ("queued", "running", "ready", "failed", "expired")
#: what an export builds: the consolidated workbook, a ZIP of the round's supporting documents, the
#: statistical annex (Word or PDF), or the regional fact sheets (PDF)
EXPORT_KINDS = ("workbook", "evidence", "annex_docx", "annex_pdf", "factsheets")


class Export(db.Model):
    """One requested workbook of a round (optionally compared with another round).

    The file lives in ``SURVEY_EXPORT_DIR`` under a name only the server knows; it is
    deleted when the export expires (``SURVEY_EXPORT_TTL_HOURS`` after it was built).
    """

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'ready', 'failed', 'expired')", name="status"),
        CheckConstraint("lang IN ('es', 'en')", name="lang"),
        CheckConstraint("kind IN ('workbook', 'evidence', 'annex_docx', 'annex_pdf', 'factsheets')", name="kind"),
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="rows"),
        CheckConstraint("(status = 'ready') = (file_path <> '')", name="file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    #: the earlier round of a year-over-year comparison (Comparativo sheet), if any
    compare_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    #: the regions the workbook is limited to (a regional coordinator's, sorted ids); None = every region
    region_ids: Mapped[list[int] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(10), default="workbook", server_default="workbook")
    #: fact sheets of this one region only (within region_ids); None = a sheet per region of the scope
    sheet_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    #: a workbook whose figures count verified answers only (its response sheets still list every answer)
    is_verified_only: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: language of sheet names, headers and labels
    lang: Mapped[str] = mapped_column(String(2), default="es")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: responses written so far / to write, for the progress bar
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    #: absolute path of the built file while it is ready; empty otherwise
    file_path: Mapped[str] = mapped_column(String(500), default="")
    file_size: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last sign of life: a page written by the building worker, or the sweep queueing it again
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why the build failed (shown to staff; never answers)
    error: Mapped[str] = mapped_column(Text, default="")

    round: Mapped["Round"] = relationship(foreign_keys=[round_id])  # noqa: F821
    compare_round: Mapped["Round | None"] = relationship(foreign_keys=[compare_round_id])  # noqa: F821
    requested_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once ready)."""
        if self.status == "ready":
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))

    @property
    def state(self) -> str:
        """The status as staff should see it: a ready file past its expiry is already ``expired``
        (the hourly exports.expire deletes it; until then it cannot be downloaded either)."""
        if self.status == "ready" and self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return self.status

    @property
    def is_finished(self) -> bool:
        """True when the worker will not touch the row again."""
        return self.status in ("ready", "failed", "expired")
