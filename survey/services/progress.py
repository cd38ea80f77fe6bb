"""How far a round has got: invitations by status, overall, per region and per institution.

Counted in SQL with GROUP BY, so a round of thousands of officials costs three queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select, true

from survey.extensions import db
from survey.models import Institution, Invitation, Region, Round
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
class Progress:
    """A round's counts overall and broken down."""

    overall: Counts
    regions: list[Counts]
    institutions: list[Counts]


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
    )
