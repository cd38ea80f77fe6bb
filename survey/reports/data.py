"""The figures a report needs, read once with the workbook's queries (``survey.workbook.figures``).

A regional coordinator's report is limited by the same ``where`` clause as their workbook, so the annex
and the workbook never disagree on a count.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true

from survey import scopes
from survey.extensions import db
from survey.models import Invitation, Region, Response, Round
from survey.workbook import figures
from survey.workbook.questions import RoundQuestions, for_round


@dataclass
class RoundFigures:
    """One round's questions, per-question figures, axis indices and participation (within a scope)."""

    round: Round
    questions: RoundQuestions
    stats: dict[str, figures.QuestionStats]
    indices: figures.Indices
    total: figures.Participation
    by_region: list[figures.Participation]
    by_institution: list[figures.Participation]
    by_sector: list[figures.Participation]


def where_for(region_ids: Iterable[int] | None) -> ColumnElement[bool] | None:
    """The clause limiting figures to *region_ids* (None: every region), as the workbook builds it."""
    if region_ids is None:
        return None
    return scopes.invitations_in_scope(scopes.Scope(frozenset(region_ids), None, sees_people=True))


def load(round_: Round, lang: str, region_ids: Iterable[int] | None = None) -> RoundFigures:
    """Every figure of *round_* for a report in *lang*, from the invitations of *region_ids* only."""
    where = where_for(region_ids)
    questions = for_round(round_)
    total, by_region = figures.participation(round_.id, "region", lang, where)
    _, by_institution = figures.participation(round_.id, "institution", lang, where)
    return RoundFigures(round_, questions, figures.question_stats(round_.id, questions, where=where),
                        figures.axis_indices(round_.id, lang, where), total, by_region, by_institution,
                        _by_sector(round_.id, where))


def _by_sector(round_id: int, where: ColumnElement[bool] | None) -> list[figures.Participation]:
    """Invited and submitted per sector (State officials, civil society), counted like ``participation``."""
    rows = db.session.execute(
        select(Invitation.sector, func.count(Invitation.id), func.count(Response.id))
        .select_from(Invitation)
        .outerjoin(Response, (Response.invitation_id == Invitation.id) & Response.submitted_at.is_not(None))
        .where(Invitation.round_id == round_id, Invitation.revoked_at.is_(None), true() if where is None else where)
        .group_by(Invitation.sector).order_by(Invitation.sector.desc())
    ).all()
    return [figures.Participation(None, sector, invited, submitted) for sector, invited, submitted in rows]


def previous_round(round_: Round) -> Round | None:
    """The latest round of the same questionnaire that opened before *round_* (last year's), if any."""
    return db.session.scalars(
        select(Round).where(Round.questionnaire_id == round_.questionnaire_id, Round.id != round_.id,
                            Round.opens_at < round_.opens_at, Round.status != "draft")
        .order_by(Round.opens_at.desc()).limit(1)
    ).first()


def region_names(region_ids: Iterable[int] | None, lang: str) -> list[str]:
    """The names of *region_ids* in *lang*, by ubigeo (empty for every region)."""
    if region_ids is None:
        return []
    return [region.name(lang) for region in db.session.scalars(
        select(Region).where(Region.id.in_(sorted(region_ids))).order_by(Region.ubigeo))]
