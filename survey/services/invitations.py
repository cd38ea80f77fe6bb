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
from survey.models import Institution, Invitation, Organisation, OutboxMessage, Region, Round
from survey.models._types import utcnow
from survey.models.organisations import sector_of
from survey.services import audit, organisations, outbox
from survey.services.official_list import OfficialRow
from survey.services.organisation_import import LEVEL_KINDS, kind_of_word
from survey.services.reference import fold, match_institution, region_candidates
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
class NewOrganisation:
    """An organisation a list names that is not registered yet, registered when the list is saved."""

    name: str
    kind: str
    institution: Institution | None
    region: Region


@dataclass
class CheckedRow:
    """A row that passed every check, with its organisation (found, or to register), type and region."""

    source: OfficialRow
    email: str
    institution: Institution | None
    region: Region
    language: str
    organisation: Organisation | None = None
    new_organisation: NewOrganisation | None = None

    @property
    def sector(self) -> str:
        """'state' (an official) or 'civil' (a member of a civil-society organisation)."""
        kind = self.organisation.kind if self.organisation else self.new_organisation.kind
        return sector_of(kind)


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
    #: organisations the accepted rows name that will be registered on saving, by folded name
    to_create: dict[str, NewOrganisation] = field(default_factory=dict)

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
        self.regions: dict[str, list[Region]] = {}
        self.organisations: dict[tuple[str, int], organisations.Match] = {}

    def institution(self, value: str) -> Institution | None:
        if value not in self.institutions:
            self.institutions[value] = match_institution(value) or self._by_short_name(value)
        return self.institutions[value]

    @staticmethod
    def _by_short_name(value: str) -> Institution | None:
        """Match the everyday name people type, e.g. "Ministerio Público" or "Gobierno Regional de Cusco".

        Reference names carry details after " (" or a dash; the part before them, or
        any part between dashes, is a short name. Accepted only when one institution fits.
        """
        wanted = fold(value)
        found: set[int] = set()
        institutions = {}
        for inst in db.session.scalars(select(Institution)):
            institutions[inst.id] = inst
            for name in (inst.name_es, inst.name_en):
                for part in fold(name).split(" (")[0].split(" - "):
                    if part and (wanted == part or wanted.startswith(part + " ")):
                        found.add(inst.id)
        return institutions[found.pop()] if len(found) == 1 else None

    def region(self, value: str) -> list[Region]:
        """Every region *value* may mean: none, one, or several ("Lima" is two places)."""
        if value not in self.regions:
            found = region_candidates(value)
            if not found and value.isdigit() and len(value) == 1:
                # A spreadsheet turns the UBIGEO "08" into the number 8.
                found = region_candidates(value.zfill(2))
            self.regions[value] = found
        return self.regions[value]

    def organisation(self, value: str, region: Region) -> organisations.Match:
        key = (value, region.id)
        if key not in self.organisations:
            self.organisations[key] = organisations.match(value, region)
        return self.organisations[key]


def _check_row(row: OfficialRow, seen: dict[str, int], existing: set[str], matcher: _Matcher,
               regions: Collection[int] | None = None, create_orgs: bool = False) -> CheckedRow | Rejection:
    reasons: list[Reason] = []
    if not row.name:
        reasons.append(Reason("name_missing", _l("Falta el nombre."), "name"))
    elif len(row.name) > 200:
        reasons.append(Reason("name_too_long", _l("El nombre tiene más de 200 caracteres."), "name"))
    if len(row.position) > 200:
        reasons.append(Reason("position_too_long", _l("El cargo tiene más de 200 caracteres."), "position"))
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
    region = _region_of(row, matcher, regions, reasons)
    organisation, institution, new_organisation = _organisation_of(row, region, matcher, create_orgs, reasons)
    language = (row.language or "es").strip().lower()
    if language not in LANGUAGES:
        reasons.append(Reason("language_invalid",
                              _l("Idioma «%(value)s» no válido: use es o en.", value=row.language), "language"))
    if reasons:
        return Rejection(row, reasons)
    assert region is not None and (organisation is not None or new_organisation is not None)
    return CheckedRow(row, email, institution, region, language, organisation, new_organisation)


def _region_of(row: OfficialRow, matcher: _Matcher, regions: Collection[int] | None,
               reasons: list[Reason]) -> Region | None:
    if not row.region:
        reasons.append(Reason("region_missing", _l("Falta la región."), "region"))
        return None
    candidates = matcher.region(row.region)
    if not candidates:
        reasons.append(Reason("region_unknown", _l("Región desconocida: «%(value)s».", value=row.region), "region"))
        return None
    if len(candidates) > 1:
        names = " / ".join(f"{region.name_es} ({region.ubigeo})" for region in candidates)
        reasons.append(Reason("region_ambiguous", _l("«%(value)s» puede ser más de una región: %(names)s. Escriba el "
                                                     "código UBIGEO o el nombre completo.", value=row.region,
                                                     names=names), "region"))
        return None
    region = candidates[0]
    if regions is not None and region.id not in regions:
        reasons.append(Reason("region_out_of_scope", _l("La región «%(value)s» no está entre las que usted coordina.",
                                                        value=region.name_es), "region"))
        return None
    return region


def _organisation_of(row: OfficialRow, region: Region | None, matcher: _Matcher, create_orgs: bool,
                     reasons: list[Reason]) -> tuple[Organisation | None, Institution | None, NewOrganisation | None]:
    """Whom the row answers for: a registered organisation, or one to register (a reference type in the
    row's region always; any other name only when *create_orgs*)."""
    named = row.organisation or row.institution
    if not named:
        reasons.append(Reason("institution_missing", _l("Falta la institución u organización."), "institution"))
        return None, None, None
    declared_type = matcher.institution(row.institution) if row.institution else None
    if row.organisation and row.institution and declared_type is None:
        reasons.append(Reason("institution_unknown",
                              _l("Institución desconocida: «%(value)s».", value=row.institution), "institution"))
        return None, None, None
    if region is None:
        # The region is already refused; still say if the organisation is unknown, so one pass shows it all.
        if not create_orgs and organisations.match(named).organisation is None and matcher.institution(named) is None:
            reasons.append(Reason("organisation_unknown", _l("Organización desconocida: «%(value)s». Regístrela en "
                                                             "Organizaciones o pida registrar las que faltan.",
                                                             value=named), "institution"))
        return None, None, None
    match = matcher.organisation(named, region)
    if match.organisation is not None:
        return match.organisation, match.organisation.institution or declared_type, None
    if len(match.candidates) > 1:
        names = "; ".join(organisation.label() for organisation in match.candidates)
        reasons.append(Reason("organisation_ambiguous", _l("«%(value)s» puede ser más de una organización: %(names)s.",
                                                           value=named, names=names), "institution"))
        return None, None, None
    named_type = matcher.institution(named)
    if named_type is not None:
        # "MPFN" + Cusco names the prosecution service in Cusco, registered under that name the first time.
        name = f"{named_type.name_es} – {region.name_es}"
        return None, named_type, NewOrganisation(name, LEVEL_KINDS.get(named_type.level, "state_national"),
                                                 named_type, region)
    if not create_orgs:
        reasons.append(Reason("organisation_unknown", _l("Organización desconocida: «%(value)s». Regístrela en "
                                                         "Organizaciones o pida registrar las que faltan.",
                                                         value=named), "institution"))
        return None, None, None
    kind = kind_of_word(row.kind) if row.kind else (
        LEVEL_KINDS.get(declared_type.level) if declared_type is not None else None)
    if kind is None:
        reasons.append(Reason("organisation_kind_missing", _l("Para registrar «%(value)s» indique su clase (columna "
                                                              "«clase»: estatal nacional, estatal regional, estatal "
                                                              "local, veeduría, ONG u otra).", value=named), "kind"))
        return None, None, None
    return None, declared_type, NewOrganisation(" ".join(named.split()), kind, declared_type, region)


def check_rows(round_: Round, rows: list[OfficialRow], regions: Collection[int] | None = None, *,
               create_orgs: bool = False) -> Report:
    """Check every row against the reference data, the registry of organisations, the file and the round.

    *regions* (a coordinator's) rejects rows of any other region; None allows every region. With
    *create_orgs*, a row naming an unknown organisation is accepted and the organisation is listed in
    ``to_create`` (registered on saving); without it such a row is rejected.
    """
    report = Report()
    seen: dict[str, int] = {}
    existing = _round_emails(round_)
    matcher = _Matcher()
    for row in rows:
        result = _check_row(row, seen, existing, matcher, regions, create_orgs)
        (report.accepted if isinstance(result, CheckedRow) else report.rejected).append(result)
        if isinstance(result, CheckedRow) and result.new_organisation is not None:
            planned = result.new_organisation
            result.new_organisation = report.to_create.setdefault(fold(planned.name), planned)
    return report


def _refuse_closed(round_: Round) -> None:
    if round_.status == "closed":
        raise InvitationError(_l("La ronda está cerrada."))


def _register(accepted: list[CheckedRow]) -> dict[int, Organisation]:
    """Register the organisations the rows name that do not exist yet (once each); by id() of the plan."""
    registered: dict[int, Organisation] = {}
    for checked in accepted:
        planned = checked.new_organisation
        if planned is None or id(planned) in registered:
            continue
        existing = organisations.match(planned.name, planned.region)
        registered[id(planned)] = existing.organisation or organisations.create(
            planned.name, planned.kind, institution=planned.institution, regions=[planned.region])
    return registered


def _create(round_: Round, accepted: list[CheckedRow]) -> list[Invitation]:
    """Insert the invitations in one flush, give each its link, queue e-mails if open."""
    registered = _register(accepted)
    invitations = [
        Invitation(
            round=round_,
            name=checked.source.name,
            email=checked.email,
            institution=checked.institution,
            organisation=checked.organisation or registered[id(checked.new_organisation)],
            sector=checked.sector,
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
        raise InvitationError(_l("Este funcionario ya envió sus respuestas: la invitación ya no se puede revocar."))
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
