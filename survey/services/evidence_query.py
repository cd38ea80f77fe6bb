"""Reading the supporting documents attached to responses (no writes: survey.services.evidence writes)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from survey.extensions import db
from survey.models import Evidence, Invitation, Response


def active_for_response(response: Response | None) -> list[Evidence]:
    """The files attached to *response* and not removed, oldest first."""
    if response is None or response.id is None:
        return []
    return list(db.session.scalars(
        select(Evidence).where(Evidence.response_id == response.id, Evidence.removed_at.is_(None))
        .order_by(Evidence.id)))


def by_question(response: Response | None) -> dict[str, list[Evidence]]:
    """The active files of *response* grouped by question key."""
    grouped: dict[str, list[Evidence]] = {}
    for item in active_for_response(response):
        grouped.setdefault(item.question_key, []).append(item)
    return grouped


def keys_with_files(response: Response | None) -> set[str]:
    """The question keys of *response* that have at least one active file (for required evidence)."""
    if response is None or response.id is None:
        return set()
    return set(db.session.scalars(
        select(Evidence.question_key).where(Evidence.response_id == response.id, Evidence.removed_at.is_(None))))


def bytes_held(response_id: int) -> int:
    """The total size of the active files of a response (the per-response limit counts these)."""
    total = db.session.scalar(select(db.func.coalesce(db.func.sum(Evidence.size_bytes), 0)).where(
        Evidence.response_id == response_id, Evidence.removed_at.is_(None)))
    return int(total or 0)


def for_responses(response_ids: Iterable[int]) -> dict[int, dict[str, list[Evidence]]]:
    """Active files per response id and question key (the workbook's evidence columns)."""
    ids = list(response_ids)
    grouped: dict[int, dict[str, list[Evidence]]] = {}
    if not ids:
        return grouped
    for start in range(0, len(ids), 500):
        rows = db.session.scalars(
            select(Evidence).where(Evidence.response_id.in_(ids[start:start + 500]), Evidence.removed_at.is_(None))
            .order_by(Evidence.id))
        for item in rows:
            grouped.setdefault(item.response_id, {}).setdefault(item.question_key, []).append(item)
    return grouped


def for_round(round_id: int, where=None) -> list[tuple[Evidence, Invitation]]:
    """Every active file of a round with the invitation whose response holds it; *where* limits the
    invitations (a scope's clause, or a region filter)."""
    query = (select(Evidence, Invitation).join(Response, Response.id == Evidence.response_id)
             .join(Invitation, Invitation.id == Response.invitation_id)
             .where(Response.round_id == round_id, Evidence.removed_at.is_(None))
             .order_by(Invitation.id, Evidence.question_key, Evidence.id))
    if where is not None:
        query = query.where(where)
    return [(item, invitation) for item, invitation in db.session.execute(query)]
