"""How far staff verification has come in a round, as the annex reports it: the submitted answers verified,
contested, queried and still open, in total, per region and per question, within the annex's regions.

Counted like the verification page (``survey.verification.counts``): one answer per (response, question),
open when staff decided nothing on it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, true

from survey.extensions import db
from survey.models import Answer, Invitation, Region, Response, Verification
from survey.verification.counts import Tally


@dataclass
class VerificationStatus:
    """A round's answers by verification state: in total, per region (by ubigeo) and per question key."""

    total: Tally
    by_region: list[Tally]
    by_question: dict[str, Tally]

    @property
    def is_started(self) -> bool:
        """True once staff verified, contested or queried at least one of these answers."""
        return self.total.by_state["open"] < self.total.total

    def verified(self, key: str) -> tuple[int, int]:
        """(verified answers, answers) of question *key*."""
        tally = self.by_question.get(key)
        return (0, 0) if tally is None else (tally.by_state["verified"], tally.total)


def load(round_id: int, lang: str, where: ColumnElement[bool] | None = None) -> VerificationStatus:
    """The verification status of round *round_id*'s submitted answers among the invitations *where* keeps
    (None: all), with region names in *lang*."""
    state = func.coalesce(Verification.state, "open")
    answered = (select(Answer.response_id, Answer.question_key).where(Answer.round_id == round_id)
                .distinct().subquery())
    rows = db.session.execute(
        select(answered.c.question_key, Invitation.region_id, state, func.count())
        .select_from(answered)
        .join(Response, Response.id == answered.c.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .outerjoin(Verification, and_(Verification.response_id == answered.c.response_id,
                                      Verification.question_key == answered.c.question_key))
        .where(Response.submitted_at.is_not(None), true() if where is None else where)
        .group_by(answered.c.question_key, Invitation.region_id, state)
    ).all()
    total = Tally("")
    by_question: dict[str, Tally] = {}
    by_region: dict[int | None, Tally] = defaultdict(lambda: Tally(""))
    for key, region_id, row_state, count in rows:
        for tally in (total, by_question.setdefault(key, Tally(key)), by_region[region_id]):
            tally.by_state[row_state] += count
    regions = {region.id: region for region in db.session.scalars(
        select(Region).where(Region.id.in_([i for i in by_region if i is not None])))}
    for region_id, tally in by_region.items():
        tally.label = regions[region_id].name(lang) if region_id in regions else ""
    ordered = sorted(by_region.items(), key=lambda item: (item[0] not in regions,
                                                          regions[item[0]].ubigeo if item[0] in regions else ""))
    return VerificationStatus(total, [tally for _id, tally in ordered], by_question)
