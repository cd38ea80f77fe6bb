"""Organisations that answer: State bodies and civil-society groups (citizen watchdogs, NGOs).

The Alternative Report speaks about institutions ("the Cusco prosecutor's office had no Gesell
chamber"), so an invitation is for a person of an organisation, and an organisation belongs to
one of the reference institution types (MPFN, GORE...) where there is one, and to its regions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models._types import UTCDateTime, utcnow

#: kind of organisation; the first three are State bodies, the others civil society
KINDS = ("state_national", "state_regional", "state_local", "watchdog", "ngo", "civil_other")
STATE_KINDS = KINDS[:3]
#: who answers for an organisation: an official of the State or a member of civil society
SECTORS = ("state", "civil")

organisation_regions = Table(
    "organisation_regions",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True),
)


def sector_of(kind: str) -> str:
    """'state' for State bodies, 'civil' for watchdogs, NGOs and other civil-society groups."""
    return "state" if kind in STATE_KINDS else "civil"


class Organisation(db.Model):
    """A State body or a civil-society group whose people are invited to answer."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint("ruc IS NULL OR length(ruc) = 11", name="ruc"),
        CheckConstraint("merged_into_id IS NULL OR NOT is_active", name="merged_inactive"),
        # One active organisation per folded name: duplicates are merged, not kept side by side.
        Index("uq_organisations_folded_active", "folded_name", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: the name lower-cased without accents or repeated spaces, for matching what people type
    folded_name: Mapped[str] = mapped_column(String(300), index=True)
    acronym: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(20))
    #: the reference institution type it belongs to (the 18 of institutions.json), if any
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    #: taxpayer number of a State body (11 digits)
    ruc: Mapped[str | None] = mapped_column(String(11))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: set when merged into another organisation (everything attached moved there)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped["Institution | None"] = relationship()  # noqa: F821
    regions: Mapped[list["Region"]] = relationship(  # noqa: F821
        secondary=organisation_regions, order_by="Region.ubigeo")
    former_names: Mapped[list["OrganisationName"]] = relationship(
        back_populates="organisation", order_by="OrganisationName.id", cascade="all, delete-orphan")

    @property
    def sector(self) -> str:
        """'state' or 'civil' (see :func:`sector_of`)."""
        return sector_of(self.kind)

    def label(self) -> str:
        """The name with the acronym, as lists show it."""
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class OrganisationName(db.Model):
    """A name an organisation had before a rename (or the name of one merged into it): still found by search."""

    __tablename__ = "organisation_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    folded_name: Mapped[str] = mapped_column(String(300), index=True)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="former_names")
