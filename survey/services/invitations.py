"""Inviting officials to a round: check a list, add officials, revoke and reissue links.

A list is all or nothing: :func:`check_rows` reports every bad row with its number and
reason, and :func:`save` refuses a report with rejected rows unless told to skip them.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from survey import tokens
from survey.extensions import db
from survey.models import Institution, Invitation, OutboxMessage, Region, Round
from survey.models._types import utcnow
from survey.services import audit, outbox
from survey.services.official_list import OfficialRow
from survey.services.reference import fold, match_institution, match_region
from survey.services.rounds import queue_first_invitations

LANGUAGES = ("es", "en")


class InvitationError(ValueError):
    """An invitation operation refused; ``reasons`` lists every problem found."""

    def __init__(self, reasons: list["Reason"] | Any) -> None:
        self.reasons = reasons if isinstance(reasons, list) else [Reason("refused", reasons)]
        super().__init__("; ".join(str(r.message) for r in self.reasons))

    def __str__(self) -> str:
        return "; ".join(str(r.message) for r in self.reasons)


@dataclass(frozen=True)
class Reason:
    """Why a row was rejected: a stable ``code`` for programs, a translated ``message``."""

    code: str
    message: Any
    field: str = ""


@dataclass
class CheckedRow:
    """A row that passed every check, with its institution and region found."""

    source: OfficialRow
    email: str
    institution: Institution
    region: Region
    language: str


@dataclass
class Rejection:
    """A row that failed, with every reason."""

    source: OfficialRow
    reasons: list[Reason]


@dataclass
class Report:
    """The result of checking a list against a round."""

    accepted: list[CheckedRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        """True when every row was accepted."""
        return not self.rejected

    @property
    def total(self) -> int:
        """Number of rows checked."""
        return len(self.accepted) + len(self.rejected)


def _round_emails(round_: Round) -> set[str]:
    return set(db.session.scalars(
        select(func.lower(Invitation.email)).where(Invitation.round_id == round_.id, Invitation.revoked_at.is_(None))
    ))


class _Matcher:
    """Reference lookups cached for one check: a list names the same few places many times."""

    def __init__(self) -> None:
        self.institutions: dict[str, Institution | None] = {}
        self.regions: dict[str, Region | None] = {}

    def institution(self, value: str) -> Institution | None:
        if value not in self.institutions:
            self.institutions[value] = match_institution(value) or self._by_short_name(value)
        return self.institutions[value]

    @staticmethod
    def _by_short_name(value: str) -> Institution | None:
        """Match the everyday name people type, e.g. "Ministerio Público" or "Gobierno Regional de Cusco".

        Reference names carry details after " (" or " – "; the part before them, or
        any part between dashes, is a short name. Accepted only when one institution fits.
        """
        wanted = fold(value)
        found: set[int] = set()
        institutions = {}
        for inst in db.session.scalars(select(Institution)):
            institutions[inst.id] = inst
            for name in (inst.name_es, inst.name_en):
                for part in fold(name).split(" (")[0].split(" – "):
                    if part and (wanted == part or wanted.startswith(part + " ")):
                        found.add(inst.id)
        return institutions[found.pop()] if len(found) == 1 else None

    def region(self, value: str) -> Region | None:
        if value not in self.regions:
            found = match_region(value)
            if found is None and value.isdigit() and len(value) == 1:
                # A spreadsheet turns the UBIGEO "08" into the number 8.
                found = match_region(value.zfill(2))
            self.regions[value] = found
        return self.regions[value]


def _check_row(row: OfficialRow, seen: dict[str, int], existing: set[str], matcher: _Matcher,
               regions: Collection[int] | None = None) -> CheckedRow | Rejection:
    reasons: list[Reason] = []
    if not row.name:
        reasons.append(Reason("name_missing", _l("Falta el nombre."), "name"))
    elif len(row.name) > 200:
        reasons.append(Reason("name_too_long", _l("El nombre pasa de 200 caracteres."), "name"))
    if len(row.position) > 200:
        reasons.append(Reason("position_too_long", _l("El cargo pasa de 200 caracteres."), "position"))
    email = ""
    if not row.email:
        reasons.append(Reason("email_missing", _l("Falta el correo."), "email"))
    else:
        try:
            email = validate_email(row.email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            reasons.append(Reason("email_invalid", _l("Correo no válido: «%(email)s».", email=row.email), "email"))
    if email:
        if email in existing:
            reasons.append(Reason("duplicate_in_round", _l("El correo ya está invitado a esta ronda."), "email"))
        elif email in seen:
            reasons.append(Reason(
                "duplicate_in_file", _l("Correo repetido: ya está en la fila %(row)s.", row=seen[email]), "email"
            ))
        else:
            seen[email] = row.row
    institution = matcher.institution(row.institution) if row.institution else None
    if not row.institution:
        reasons.append(Reason("institution_missing", _l("Falta la institución."), "institution"))
    elif institution is None:
        reasons.append(Reason("institution_unknown",
                              _l("Institución desconocida: «%(value)s».", value=row.institution), "institution"))
    region = matcher.region(row.region) if row.region else None
    if not row.region:
        reasons.append(Reason("region_missing", _l("Falta la región."), "region"))
    elif region is None:
        reasons.append(Reason("region_unknown", _l("Región desconocida: «%(value)s».", value=row.region), "region"))
    elif regions is not None and region.id not in regions:
        reasons.append(Reason("region_out_of_scope", _l("La región «%(value)s» no está entre las que usted coordina.",
                                                        value=region.name_es), "region"))
    language = (row.language or "es").strip().lower()
    if language not in LANGUAGES:
        reasons.append(Reason("language_invalid",
                              _l("Idioma «%(value)s» no válido: use es o en.", value=row.language), "language"))
    if reasons:
        return Rejection(row, reasons)
    assert institution is not None and region is not None
    return CheckedRow(row, email, institution, region, language)


def check_rows(round_: Round, rows: list[OfficialRow], regions: Collection[int] | None = None) -> Report:
    """Check every row against the reference data, the file itself and the round.

    *regions* (a coordinator's) rejects rows of any other region; None allows every region.
    """
    report = Report()
    seen: dict[str, int] = {}
    existing = _round_emails(round_)
    matcher = _Matcher()
    for row in rows:
        result = _check_row(row, seen, existing, matcher, regions)
        (report.accepted if isinstance(result, CheckedRow) else report.rejected).append(result)
    return report


def _refuse_closed(round_: Round) -> None:
    if round_.status == "closed":
        raise InvitationError(_l("La ronda está cerrada."))


def _create(round_: Round, accepted: list[CheckedRow]) -> list[Invitation]:
    """Insert the invitations in one flush, give each its link, queue e-mails if open."""
    invitations = [
        Invitation(
            round=round_,
            name=checked.source.name,
            email=checked.email,
            institution=checked.institution,
            region=checked.region,
            position=checked.source.position,
            language=checked.language,
            token_nonce="",
            token_hash=tokens.placeholder_hash(),
        )
        for checked in accepted
    ]
    db.session.add_all(invitations)
    db.session.flush()  # the token is derived from the id
    for invitation in invitations:
        tokens.issue(invitation)
    db.session.flush()
    if round_.status == "open":
        queue_first_invitations(invitations)
    return invitations


def save(round_: Round, report: Report, *, skip_invalid: bool = False, source: str = "") -> list[Invitation]:
    """Create the invitations of a checked list; all or nothing unless *skip_invalid*.

    In an open round each new official's invitation e-mail is queued at once.
    """
    _refuse_closed(round_)
    if report.rejected and not skip_invalid:
        raise InvitationError(ngettext("Hay %(num)d fila rechazada: no se guardó nada.",
                                       "Hay %(num)d filas rechazadas: no se guardó nada.", len(report.rejected)))
    created = _create(round_, report.accepted)
    audit.record("invitation.import", round_, count=len(created), skipped=len(report.rejected), file=source or None)
    return created


def add(round_: Round, name: str, email: str, institution: str | Institution, region: str | Region,
        position: str = "", language: str = "es", regions: Collection[int] | None = None) -> Invitation:
    """Invite one official by hand, with the same checks as a list."""
    _refuse_closed(round_)
    row = OfficialRow(
        row=1,
        name=" ".join((name or "").split()),
        email=(email or "").strip(),
        institution=institution.code if isinstance(institution, Institution) else (institution or "").strip(),
        region=region.ubigeo if isinstance(region, Region) else (region or "").strip(),
        position=" ".join((position or "").split()),
        language=language or "es",
    )
    report = check_rows(round_, [row], regions)
    if report.rejected:
        raise InvitationError(report.rejected[0].reasons)
    (invitation,) = _create(round_, report.accepted)
    audit.record("invitation.add", invitation, round=round_.id)
    return invitation


def revoke(invitation: Invitation) -> Invitation:
    """Kill an invitation's link for good; e-mails already sent are not recalled."""
    if invitation.status == "revoked":
        return invitation
    if invitation.status == "submitted":
        raise InvitationError(_l("Este funcionario ya envió sus respuestas: la invitación no se revoca."))
    invitation.status = "revoked"
    invitation.revoked_at = utcnow()
    # A new nonce nobody receives: the old link no longer even finds the invitation.
    tokens.issue(invitation)
    db.session.flush()
    audit.record("invitation.revoke", invitation, round=invitation.round_id)
    return invitation


def _invitation_seqs(invitation: Invitation) -> dict[int, str]:
    return dict(db.session.execute(
        select(OutboxMessage.seq, OutboxMessage.status).where(
            OutboxMessage.invitation_id == invitation.id, OutboxMessage.kind == "invitation"
        )
    ).all())


def reissue(invitation: Invitation) -> Invitation:
    """Give the invitation a new link (the old one stops working) and e-mail it again.

    The link is put in the e-mail when it is sent, so an invitation e-mail still waiting
    in the outbox will carry the new link and no second one is queued (a double click
    sends one mail). In a round not yet opened the link goes out when the round opens.
    """
    if invitation.status == "revoked":
        raise InvitationError(_l("La invitación está revocada: invite de nuevo al funcionario."))
    _refuse_closed(invitation.round)
    tokens.issue(invitation)
    db.session.flush()
    seq = None
    seqs = _invitation_seqs(invitation)
    if invitation.round.status == "open" and "pending" not in seqs.values():
        seq = max(seqs, default=-1) + 1
        outbox.queue(invitation, "invitation", seq)
    audit.record("invitation.reissue", invitation, round=invitation.round_id, seq=seq)
    return invitation


def list_for(round_: Round, *, offset: int = 0, limit: int = 200, where=None) -> list[Invitation]:
    """A page of the round's invitations, in order of creation (*where* limits them, e.g. to a scope)."""
    statement = select(Invitation).where(Invitation.round_id == round_.id)
    if where is not None:
        statement = statement.where(where)
    return list(db.session.scalars(statement.order_by(Invitation.id).offset(offset).limit(limit)))


def get(round_: Round, invitation_id: int) -> Invitation | None:
    """The invitation *invitation_id* of *round_*, or None (never one of another round)."""
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == round_.id else None
