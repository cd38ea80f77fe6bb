"""The supporting documents of a round as the workbook and the evidence ZIP list them: one row per live file."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, true

from survey.extensions import db
from survey.models import (
    Evidence,
    Institution,
    Invitation,
    Organisation,
    Region,
    Response,
    Verification,
)


@dataclass(frozen=True)
class Listed:
    """One file with who sent it, where from, and whether staff verified its answer."""

    evidence_id: int
    response_id: int
    question_key: str
    name: str
    stored_key: str
    size_bytes: int
    content_type: str
    sha256: str
    uploaded_at: datetime
    organisation: str
    region: str
    region_key: str
    is_verified: bool
    is_submitted: bool


def files_of_round(round_id: int, lang: str = "es", where: ColumnElement[bool] | None = None, *,
                   is_submitted_only: bool = False) -> Iterator[Listed]:
    """The live (not removed) files of round *round_id* whose invitations *where* keeps, by region,
    response and upload; *is_submitted_only* keeps those of submitted responses (the workbook's rows)."""
    english = lang == "en"
    organisation = func.coalesce(Response.organisation_id, Invitation.organisation_id)
    verified = (select(Verification.id)
                .where(Verification.response_id == Evidence.response_id,
                       Verification.question_key == Evidence.question_key, Verification.state == "verified")
                .exists())
    query = (
        select(Evidence.id, Evidence.response_id, Evidence.question_key, Evidence.original_name, Evidence.stored_key,
               Evidence.size_bytes, Evidence.content_type, Evidence.sha256, Evidence.uploaded_at,
               Organisation.name, Institution.name_en if english else Institution.name_es,
               Region.name_en if english else Region.name_es, Region.key, verified, Response.submitted_at)
        .join(Response, Response.id == Evidence.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .outerjoin(Organisation, Organisation.id == organisation)
        .outerjoin(Institution, Institution.id == Invitation.institution_id)
        .outerjoin(Region, Region.id == Invitation.region_id)
        .where(and_(Response.round_id == round_id, Evidence.removed_at.is_(None),
                    Response.submitted_at.is_not(None) if is_submitted_only else true(),
                    true() if where is None else where))
        .order_by(Region.ubigeo, Response.id, Evidence.id)
    )
    for (evidence_id, response_id, key, name, stored_key, size, content_type, sha256, uploaded_at, org_name,
         institution, region, region_key, is_verified, submitted_at) in db.session.execute(query):
        yield Listed(evidence_id, response_id, key, name, stored_key, size, content_type, sha256, uploaded_at,
                     org_name or institution or "", region or "", region_key or "", bool(is_verified),
                     submitted_at is not None)


def human_size(size: int) -> str:
    """A file size as people read it: 850 KB, 1.2 MB (decimal units, as file browsers show them)."""
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1000 / 1000:.1f} MB"
