"""Institutional responses, as staff manage them: the round's mode, an organisation's focal point,
its sections assigned to officials, and a successor for an official who leaves.

In a per-organisation round every official invited for the same organisation works on one response
(:mod:`survey.services.shared_responses`). Every function adds and flushes; the caller commits,
after :func:`survey.services.audit.record`, which comes last. Audit entries name invitations by id.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from survey import tokens
from survey.extensions import db
from survey.models import Invitation, Organisation, Response, Round, SectionAssignment
from survey.models._types import utcnow
from survey.services import audit, outbox
from survey.services.shared_responses import focal_point


class InstitutionalError(ValueError):
    """A refused staff action; ``field`` names the form field at fault, if any."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def set_per_organisation(round_: Round, is_per_organisation: bool) -> None:
    """Make the round collect one response per organisation (or one per person), while it is a draft."""
    if bool(round_.is_per_organisation) == bool(is_per_organisation):
        return
    if round_.status != "draft":
        raise InstitutionalError(_l("Solo una ronda en borrador puede cambiar entre una respuesta por persona "
                                    "y una por organización."), "is_per_organisation")
    round_.is_per_organisation = bool(is_per_organisation)
    db.session.flush()


@dataclass
class OrganisationTeam:
    """The officials of one organisation in a per-organisation round, as the round page lists them."""

    organisation: Organisation
    invitations: list[Invitation]
    focal_point: Invitation | None
    #: section key -> the invitation it is assigned to
    assignments: dict[str, Invitation]
    response: Response | None


def teams(round_: Round, where=None) -> list[OrganisationTeam]:
    """The organisations of the round with their live invitations (*where* limits them to a scope)."""
    statement = select(Invitation).where(Invitation.round_id == round_.id, Invitation.organisation_id.is_not(None),
                                         Invitation.revoked_at.is_(None))
    if where is not None:
        statement = statement.where(where)
    by_org: dict[int, list[Invitation]] = {}
    for invitation in db.session.scalars(statement.order_by(Invitation.id)):
        by_org.setdefault(invitation.organisation_id, []).append(invitation)
    if not by_org:
        return []
    responses = {response.organisation_id: response for response in db.session.scalars(
        select(Response).where(Response.round_id == round_.id, Response.organisation_id.in_(by_org)))}
    assigned: dict[int, dict[str, Invitation]] = {}
    for row in db.session.scalars(select(SectionAssignment).where(
            SectionAssignment.round_id == round_.id, SectionAssignment.organisation_id.in_(by_org))):
        assigned.setdefault(row.organisation_id, {})[row.section_key] = row.invitation
    result = []
    for organisation_id, invitations in by_org.items():
        chosen = next((inv for inv in invitations if inv.is_focal_point), None) or invitations[0]
        result.append(OrganisationTeam(invitations[0].organisation, invitations, chosen,
                                       assigned.get(organisation_id, {}), responses.get(organisation_id)))
    return sorted(result, key=lambda team: team.organisation.name)


def set_focal_point(invitation: Invitation) -> Invitation:
    """Make *invitation* the one who submits for its organisation (the previous choice is undone)."""
    round_ = invitation.round
    if not round_.is_per_organisation or invitation.organisation_id is None:
        raise InstitutionalError(_l("Esta ronda recoge una respuesta por persona: no hay punto focal."))
    if invitation.revoked_at is not None:
        raise InstitutionalError(_l("La invitación está revocada."))
    db.session.execute(update(Invitation).where(
        Invitation.round_id == invitation.round_id, Invitation.organisation_id == invitation.organisation_id,
        Invitation.id != invitation.id, Invitation.is_focal_point).values(is_focal_point=False)
        .execution_options(synchronize_session="fetch"))
    db.session.flush()  # the partial UNIQUE allows one flag at a time: clear the old one first
    invitation.is_focal_point = True
    db.session.flush()
    audit.record("invitation.focal_point", invitation, round=invitation.round_id)
    return invitation


def assign(round_: Round, organisation_id: int, section_key: str, invitation: Invitation | None) -> None:
    """Give *section_key* of the organisation's response to *invitation* alone (None: open to all again)."""
    if not round_.is_per_organisation:
        raise InstitutionalError(_l("Esta ronda recoge una respuesta por persona: no se asignan secciones."))
    if invitation is not None and (invitation.round_id != round_.id or invitation.organisation_id != organisation_id
                                   or invitation.revoked_at is not None):
        raise InstitutionalError(_l("Elija a un funcionario de la misma organización."), "section")
    db.session.execute(delete(SectionAssignment).where(
        SectionAssignment.round_id == round_.id, SectionAssignment.organisation_id == organisation_id,
        SectionAssignment.section_key == section_key))
    if invitation is not None:
        db.session.add(SectionAssignment(round_id=round_.id, organisation_id=organisation_id,
                                         section_key=section_key, invitation_id=invitation.id))
    db.session.flush()


_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str | None, limit: int = 200) -> str:
    return " ".join(_CONTROLS.sub(" ", text or "").split())[:limit]


def successor(invitation: Invitation, name: str, email: str, position: str = "") -> tuple[Invitation, str]:
    """Move an official's invitation to the person who takes their place; returns it and its token.

    The successor gets a new invitation (same organisation, region, sector and language; the focal
    point flag and the section assignments move with it) and the answers: the response row the old
    invitation held now belongs to the new one (in a per-organisation round the answers are the
    organisation's anyway). The old link is dead at once (revoked, new nonce). In an open round the new link is
    e-mailed after the commit.
    """
    if invitation.revoked_at is not None:
        raise InstitutionalError(_l("La invitación ya está revocada: elija la invitación vigente."))
    if invitation.round.status == "closed":
        raise InstitutionalError(_l("La ronda está cerrada."))
    name = _one_line(name)
    if not name:
        raise InstitutionalError(_l("Escriba el nombre de la persona que lo reemplaza."), "name")
    try:
        address = validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InstitutionalError(_l("Escriba un correo electrónico válido, por ejemplo nombre@entidad.gob.pe."),
                                 "email") from None
    taken = db.session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.round_id == invitation.round_id, func.lower(Invitation.email) == address,
        Invitation.revoked_at.is_(None), Invitation.id != invitation.id))
    if taken:
        raise InstitutionalError(_l("Esa persona ya está invitada a esta ronda."), "email")
    # The focal point's successor submits in their place, whether staff chose them or they were the first invited.
    was_focal = current_focal_point(invitation) is invitation
    # The old link dies first: its e-mail may be the successor's too (a shared mailbox), and the UNIQUE
    # keys on active e-mails and on the focal point allow one live holder at a time.
    invitation.status, invitation.revoked_at, invitation.is_focal_point = "revoked", utcnow(), False
    tokens.issue(invitation)  # a new nonce nobody receives: the old link no longer even finds the invitation
    db.session.flush()
    response = invitation.response  # its own row: in a per-organisation round, the one it opened first
    kept = response is not None and response.organisation_id is None  # per-person answers: the successor's now
    new = Invitation(
        round_id=invitation.round_id, name=name, email=address, institution_id=invitation.institution_id,
        region_id=invitation.region_id, organisation_id=invitation.organisation_id, sector=invitation.sector,
        position=_one_line(position), language=invitation.language, is_focal_point=was_focal,
        status="submitted" if kept and response.is_submitted else ("in_progress" if kept else "invited"),
        submitted_at=invitation.submitted_at if kept else None, forwarded_from_id=invitation.id,
        token_nonce="", token_hash=tokens.placeholder_hash(),
    )
    db.session.add(new)
    db.session.flush()
    token = tokens.issue(new)
    if response is not None:
        # Erasing the person who left (Ley 29733) must not touch answers that are now someone else's.
        response.invitation_id = new.id
    db.session.execute(update(SectionAssignment).where(SectionAssignment.invitation_id == invitation.id)
                       .values(invitation_id=new.id))
    db.session.flush()
    db.session.expire(invitation, ["response", "shared_response"])
    if invitation.round.status == "open":
        outbox.queue(new, "invitation")
    audit.record("invitation.successor", invitation, round=invitation.round_id, to_invitation=new.id)
    return new, token


def current_focal_point(invitation: Invitation) -> Invitation | None:
    """The official who submits for *invitation*'s organisation (None for an invitation answering alone)."""
    if not invitation.round.is_per_organisation or invitation.organisation_id is None:
        return None
    return focal_point(invitation.round_id, invitation.organisation_id)


def names_of(ids) -> dict[int, str]:
    """Invitation id -> name, for "last changed by" lines (erased people show as erased)."""
    ids = sorted({int(i) for i in ids if i is not None})
    if not ids:
        return {}
    return dict(db.session.execute(select(Invitation.id, Invitation.name).where(Invitation.id.in_(ids))).all())
