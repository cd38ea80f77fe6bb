"""How far a round has got: invitations by status, overall, per region and per institution.

Counted in SQL with GROUP BY, so a round of thousands of officials costs three queries (four in a
per-organisation round, which also counts organisations by the state of their one response).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select, true

from survey.extensions import db
from survey.models import Institution, Invitation, Region, Response, Round
from survey.models.rounds import INVITATION_STATES

#: statuses of a live invitation; revoked ones are counted apart
ACTIVE_STATES = tuple(s for s in INVITATION_STATES if s != "revoked")


@dataclass
class Counts:
    """Invitations of one group by status, with the rates staff watch."""

    label: str
    key: str = ""
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVITATION_STATES, 0))

    @property
    def invited(self) -> int:
        """Live invitations (every status but revoked)."""
        return sum(self.by_status[s] for s in ACTIVE_STATES)

    @property
    def opened(self) -> int:
        """Live invitations whose link was used at least once."""
        return self.invited - self.by_status["invited"]

    def rate(self, status: str = "submitted") -> float | None:
        """Share (0..100) of live invitations in *status*; None when nobody is invited."""
        if not self.invited:
            return None
        return round(100 * self.by_status[status] / self.invited, 1)

    @property
    def response_rate(self) -> float | None:
        """Share (0..100) of live invitations that submitted."""
        return self.rate("submitted")


@dataclass
class OrganisationCounts:
    """In a per-organisation round: organisations by the state of their one response."""

    submitted: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def total(self) -> int:
        """Organisations with at least one live invitation."""
        return self.submitted + self.in_progress + self.not_started

    @property
    def response_rate(self) -> float | None:
        """Share (0..100) of organisations whose response is submitted; None without any."""
        return round(100 * self.submitted / self.total, 1) if self.total else None


@dataclass
class Progress:
    """A round's counts overall and broken down."""

    overall: Counts
    regions: list[Counts]
    institutions: list[Counts]
    #: set for a per-organisation round
    organisations: OrganisationCounts | None = None


def organisation_counts(round_: Round, where: ColumnElement[bool] | None = None) -> OrganisationCounts:
    """Organisations with live invitations (within *where*) by the state of their shared response."""
    live = (select(Invitation.organisation_id).where(
        Invitation.round_id == round_.id, Invitation.organisation_id.is_not(None), Invitation.revoked_at.is_(None),
        true() if where is None else where).distinct().subquery())
    counts = OrganisationCounts()
    for submitted_at, response_id in db.session.execute(
            select(Response.submitted_at, Response.id).select_from(live).outerjoin(
                Response, (Response.round_id == round_.id) & (Response.organisation_id == live.c.organisation_id))):
        if submitted_at is not None:
            counts.submitted += 1
        elif response_id is not None:
            counts.in_progress += 1
        else:
            counts.not_started += 1
    return counts


def _grouped(round_: Round, model, key_column, label_column, where: ColumnElement[bool]) -> list[Counts]:
    rows = db.session.execute(
        select(key_column, label_column, Invitation.status, func.count(Invitation.id))
        .select_from(Invitation)
        .outerjoin(model)
        .where(Invitation.round_id == round_.id, where)
        .group_by(key_column, label_column, Invitation.status)
    ).all()
    groups: dict[str, Counts] = {}
    for key, label, status, count in rows:
        group = groups.setdefault(key or "", Counts(label=label or "—", key=key or ""))
        group.by_status[status] = count
    return sorted(groups.values(), key=lambda c: (-c.invited, c.label))


def progress(round_: Round, lang: str = "es", where: ColumnElement[bool] | None = None) -> Progress:
    """Count the invitations of *round_* by status, overall, per region and per institution.

    *where* limits the invitations counted (a coordinator's regions: see survey.scopes).
    """
    where = true() if where is None else where
    overall = Counts(label="")
    for status, count in db.session.execute(
        select(Invitation.status, func.count(Invitation.id))
        .where(Invitation.round_id == round_.id, where)
        .group_by(Invitation.status)
    ):
        overall.by_status[status] = count
    region_name = Region.name_en if lang == "en" else Region.name_es
    institution_name = Institution.name_en if lang == "en" else Institution.name_es
    return Progress(
        overall=overall,
        regions=_grouped(round_, Region, Region.key, region_name, where),
        institutions=_grouped(round_, Institution, Institution.code, institution_name, where),
        organisations=organisation_counts(round_, where) if round_.is_per_organisation else None,
    )
