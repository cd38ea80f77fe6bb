"""How far verification has come in a round: per question and per organisation, how many submitted answers
are verified, contested, queried or still open."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, select

from survey.extensions import db
from survey.models import Answer, Invitation, Organisation, Response, Verification
from survey.models.verification import VERIFICATION_STATES


@dataclass
class Tally:
    """Answers of one question or organisation by verification state."""

    label: str
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERIFICATION_STATES, 0))

    @property
    def total(self) -> int:
        """Every answer counted."""
        return sum(self.by_state.values())


_ORGANISATION = func.coalesce(Response.organisation_id, Invitation.organisation_id)


def tallies(round_id: int, where: ColumnElement[bool]) -> tuple[dict[str, Tally], list[Tally]]:
    """(question key -> tally, tallies per organisation by name) of the round's submitted answers within *where*
    (a clause on invitations: the user's scope)."""
    state = func.coalesce(Verification.state, "open")
    answered = (select(Answer.response_id, Answer.question_key).where(Answer.round_id == round_id)
                .distinct().subquery())
    rows = db.session.execute(
        select(answered.c.question_key, _ORGANISATION, Organisation.name, state, func.count())
        .select_from(answered)
        .join(Response, Response.id == answered.c.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .outerjoin(Organisation, Organisation.id == _ORGANISATION)
        .outerjoin(Verification, and_(Verification.response_id == answered.c.response_id,
                                      Verification.question_key == answered.c.question_key))
        .where(where)
        .group_by(answered.c.question_key, _ORGANISATION, Organisation.name, state)
    ).all()
    by_question: dict[str, Tally] = {}
    by_organisation: dict[int | None, Tally] = defaultdict(lambda: Tally(""))
    for key, organisation_id, name, row_state, count in rows:
        by_question.setdefault(key, Tally(key)).by_state[row_state] += count
        tally = by_organisation[organisation_id]
        tally.label = name or ""
        tally.by_state[row_state] += count
    return by_question, sorted(by_organisation.values(), key=lambda tally: (tally.label == "", tally.label))
