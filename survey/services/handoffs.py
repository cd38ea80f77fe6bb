"""An official hands the questionnaire off: declines it, or forwards it to a colleague.

Both are done through the official's personal link, so the audit actor is ``official:<id>``.
Functions add and flush; the view commits.
"""
from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from survey import database, tokens
from survey.extensions import db
from survey.models import Invitation
from survey.models._types import utcnow
from survey.services import audit, outbox


class HandoffError(ValueError):
    """The hand-off cannot be done; ``field`` names the form field at fault, if any."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


#: control characters (NUL cannot even be stored in a PostgreSQL text column); line breaks are kept
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str | None) -> str:
    return _CONTROLS.sub("", text or "")


def _actor(invitation: Invitation) -> str:
    return f"official:{invitation.id}"


def _refuse_after_submit(invitation: Invitation) -> None:
    if database.begin_writing():
        db.session.refresh(invitation)  # read before the write lock was taken
    if invitation.status == "submitted":
        raise HandoffError(_l("Ya envió sus respuestas: la invitación no se puede rechazar ni reenviar."))


def decline(invitation: Invitation, reason: str) -> Invitation:
    """Record that the official will not answer, and why; answers saved so far are kept."""
    _refuse_after_submit(invitation)
    invitation.status = "declined"
    invitation.declined_at = utcnow()
    invitation.decline_reason = _clean(reason).strip()[:2000]
    db.session.flush()
    audit.record("invitation.decline", invitation, actor=_actor(invitation), round=invitation.round_id)
    return invitation


def forward(invitation: Invitation, name: str, email: str, position: str = "") -> tuple[Invitation, str]:
    """Invite a colleague of the same institution in the official's place.

    The colleague gets a new invitation (same round, institution, region and language) with its
    own link, e-mailed after the commit; the official's link is revoked. Returns the new
    invitation and its token.
    """
    _refuse_after_submit(invitation)
    name = " ".join(_clean(name).split())
    if not name:
        raise HandoffError(_l("Escriba el nombre de su colega."), "name")
    try:
        address = validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise HandoffError(_l("Escriba un correo electrónico válido, por ejemplo nombre@entidad.gob.pe."),
                           "email") from None
    if address == invitation.email.lower():
        raise HandoffError(_l("Escriba el correo de otra persona: este es el suyo."), "email")
    taken = db.session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.round_id == invitation.round_id, func.lower(Invitation.email) == address,
        Invitation.revoked_at.is_(None)))
    if taken:
        raise HandoffError(_l("Esa persona ya está invitada a responder este cuestionario."), "email")
    colleague = Invitation(
        round_id=invitation.round_id,
        name=name[:200],
        email=address,
        institution_id=invitation.institution_id,
        region_id=invitation.region_id,
        organisation_id=invitation.organisation_id,
        sector=invitation.sector,
        position=" ".join(_clean(position).split())[:200],
        language=invitation.language,
        forwarded_from_id=invitation.id,
        token_nonce="",
        token_hash=tokens.placeholder_hash(),
    )
    db.session.add(colleague)
    db.session.flush()
    token = tokens.issue(colleague)
    invitation.status = "revoked"
    invitation.revoked_at = utcnow()
    db.session.flush()
    outbox.queue(colleague, "invitation")
    audit.record("invitation.forward", invitation, actor=_actor(invitation), round=invitation.round_id,
                 to_invitation=colleague.id)
    return colleague, token
