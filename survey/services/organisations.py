"""The registry of organisations: create, rename, merge, deactivate, find (services flush only)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update

from survey.extensions import db
from survey.models import Institution, Invitation, Region, Response, Round
from survey.models.organisations import KINDS, Organisation, OrganisationName, organisation_regions
from survey.models.rounds import SectionAssignment
from survey.services import audit
from survey.services.reference import fold


class OrganisationError(ValueError):
    """A change the registry refuses (duplicate name, merging into itself...); str() is for people."""


def _check_name(name: str, *, keep: Organisation | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise OrganisationError(_l("Escriba el nombre de la organización."))
    if len(name) > 300:
        raise OrganisationError(_l("El nombre tiene más de 300 caracteres."))
    same = db.session.scalar(select(Organisation).where(Organisation.folded_name == fold(name),
                                                        Organisation.is_active))
    if same is not None and same is not keep:
        raise OrganisationError(_l("Ya existe una organización activa con ese nombre: «%(name)s».", name=same.name))
    return name


def create(name: str, kind: str, *, acronym: str = "", institution: Institution | None = None,
           regions: Iterable[Region] = (), ruc: str | None = None, is_audited: bool = True) -> Organisation:
    """Register an organisation; the name must be unique among active ones (accents and case ignored).

    An import audits itself once (*is_audited* False for its rows).
    """
    if kind not in KINDS:
        raise OrganisationError(_l("Tipo de organización desconocido: «%(kind)s».", kind=kind))
    name = _check_name(name)
    organisation = Organisation(name=name, folded_name=fold(name), acronym=acronym.strip(), kind=kind,
                                institution=institution, regions=list(regions), ruc=ruc or None)
    db.session.add(organisation)
    db.session.flush()
    if is_audited:
        audit.record("organisation.create", organisation, name=name, kind=kind)
    return organisation


def rename(organisation: Organisation, name: str) -> None:
    """Give *organisation* a new name; the old one stays searchable."""
    name = _check_name(name, keep=organisation)
    if name == organisation.name:
        return
    organisation.former_names.append(OrganisationName(name=organisation.name, folded_name=organisation.folded_name))
    audit.record("organisation.rename", organisation, before=organisation.name, after=name)
    organisation.name, organisation.folded_name = name, fold(name)
    db.session.flush()


def is_referenced(organisation: Organisation) -> bool:
    """True once an invitation (or anything else kept for the report) refers to *organisation*."""
    return bool(db.session.scalar(select(exists().where(Invitation.organisation_id == organisation.id))))


def set_active(organisation: Organisation, is_active: bool) -> None:
    """Deactivate (hidden from matching and new invitations) or reactivate *organisation*."""
    if organisation.merged_into_id is not None and is_active:
        raise OrganisationError(_l("Una organización fusionada no se puede reactivar."))
    if is_active:
        _check_name(organisation.name, keep=organisation)
    organisation.is_active = is_active
    audit.record("organisation.activate" if is_active else "organisation.deactivate", organisation)
    db.session.flush()


def delete(organisation: Organisation) -> None:
    """Delete an organisation nothing refers to; once referred to, it can only be deactivated."""
    if is_referenced(organisation):
        raise OrganisationError(_l("Esta organización ya tiene invitaciones: desactívela en lugar de borrarla."))
    audit.record("organisation.delete", organisation, name=organisation.name)
    db.session.delete(organisation)
    db.session.flush()


def merge(kept: Organisation, duplicate: Organisation) -> None:
    """Move everything attached to *duplicate* onto *kept*, then deactivate *duplicate*.

    Invitations, regions and names move in the caller's transaction, so a failure leaves both as
    they were; the duplicate's name stays searchable under *kept*.
    """
    if kept.id == duplicate.id:
        raise OrganisationError(_l("Elija dos organizaciones distintas."))
    if not kept.is_active:
        raise OrganisationError(_l("La organización que se conserva debe estar activa."))
    _move_institutional_work(kept, duplicate)
    moved = db.session.execute(update(Invitation).where(Invitation.organisation_id == duplicate.id)
                               .values(organisation_id=kept.id)).rowcount
    kept.regions = sorted({*kept.regions, *duplicate.regions}, key=lambda region: region.ubigeo)
    kept.former_names.append(OrganisationName(name=duplicate.name, folded_name=duplicate.folded_name))
    for former in list(duplicate.former_names):
        kept.former_names.append(OrganisationName(name=former.name, folded_name=former.folded_name))
    kept.acronym = kept.acronym or duplicate.acronym
    kept.ruc = kept.ruc or duplicate.ruc
    kept.institution = kept.institution or duplicate.institution
    duplicate.is_active = False
    duplicate.merged_into_id = kept.id
    audit.record("organisation.merge", kept, merged=duplicate.id, merged_name=duplicate.name, invitations=moved)
    db.session.flush()


def _move_institutional_work(kept: Organisation, duplicate: Organisation) -> None:
    """Move the duplicate's institutional responses, focal points and section assignments to *kept*.

    Two institutional responses of one round cannot become one by a merge: that is refused (staff
    decide which answers stand); a second focal point in a round stops being one.
    """
    shared = db.session.scalars(
        select(Round.title).join(Response, Response.round_id == Round.id)
        .where(Response.organisation_id == duplicate.id,
               Response.round_id.in_(select(Response.round_id).where(Response.organisation_id == kept.id)))
    ).all()
    if shared:
        raise OrganisationError(_l("Las dos organizaciones tienen su propia respuesta institucional en la ronda "
                                   "«%(round)s»: no se pueden fusionar.", round=shared[0]))
    kept_rounds = select(Invitation.round_id).where(Invitation.organisation_id == kept.id, Invitation.is_focal_point)
    db.session.execute(update(Invitation).where(Invitation.organisation_id == duplicate.id, Invitation.is_focal_point,
                                                Invitation.round_id.in_(kept_rounds))
                       .values(is_focal_point=False).execution_options(synchronize_session=False))
    db.session.execute(update(Response).where(Response.organisation_id == duplicate.id)
                       .values(organisation_id=kept.id).execution_options(synchronize_session=False))
    kept_sections = select(SectionAssignment.round_id, SectionAssignment.section_key).where(
        SectionAssignment.organisation_id == kept.id)
    for assignment in db.session.scalars(select(SectionAssignment)
                                         .where(SectionAssignment.organisation_id == duplicate.id)):
        if (assignment.round_id, assignment.section_key) in set(db.session.execute(kept_sections).all()):
            db.session.delete(assignment)  # the kept organisation already assigned that section
        else:
            assignment.organisation_id = kept.id
    db.session.flush()


@dataclass
class Match:
    """What a name typed in a file means: one organisation, none, or several candidates."""

    organisation: Organisation | None = None
    candidates: list[Organisation] = field(default_factory=list)


def match(value: str, region: Region | None = None) -> Match:
    """Find the active organisation *value* names: its name, a former name, its acronym, or a
    reference type (code, acronym or name) together with *region*. Accents and case are ignored."""
    wanted = fold(value)
    if not wanted:
        return Match()
    by_name = list(db.session.scalars(
        select(Organisation).where(Organisation.is_active, or_(
            Organisation.folded_name == wanted,
            Organisation.id.in_(select(OrganisationName.organisation_id).where(OrganisationName.folded_name == wanted)),
        )).order_by(Organisation.id)))
    if not by_name:
        by_name = list(active_with_acronym(wanted))
    if not by_name:
        by_name = list(_by_type(wanted))
    if region is not None and len(by_name) > 1:
        # "MPFN" + Cusco: the organisation of that type in that region
        by_name = [org for org in by_name if region in org.regions] or by_name
    if len(by_name) == 1:
        return Match(by_name[0], by_name)
    return Match(None, by_name)


def active_with_acronym(folded: str) -> Sequence[Organisation]:
    """Active organisations whose acronym folds to *folded*."""
    return [org for org in db.session.scalars(select(Organisation).where(Organisation.is_active,
                                                                          Organisation.acronym != ""))
            if fold(org.acronym) == folded]


def _by_type(folded: str) -> Sequence[Organisation]:
    types = [inst.id for inst in db.session.scalars(select(Institution))
             if folded in {fold(inst.code), fold(inst.acronym), fold(inst.name_es), fold(inst.name_en)}]
    if not types:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.is_active,
                                                              Organisation.institution_id.in_(types))
                                   .order_by(Organisation.id)))


def search(query: str = "", *, region: Region | None = None, kind: str | None = None,
           include_inactive: bool = False, regions: Sequence[int] | None = None):
    """The statement listing organisations matching *query* (in the name, a former name or the acronym)."""
    statement = select(Organisation).order_by(Organisation.folded_name, Organisation.id)
    if not include_inactive:
        statement = statement.where(Organisation.is_active)
    wanted = fold(query)
    if wanted:
        pattern = f"%{wanted}%"
        statement = statement.where(or_(
            Organisation.folded_name.like(pattern),
            Organisation.acronym.ilike(f"%{query.strip()}%"),
            Organisation.id.in_(select(OrganisationName.organisation_id)
                                .where(OrganisationName.folded_name.like(pattern))),
        ))
    if kind:
        statement = statement.where(Organisation.kind == kind)
    if region is not None:
        statement = statement.where(Organisation.id.in_(
            select(organisation_regions.c.organisation_id).where(organisation_regions.c.region_id == region.id)))
    if regions is not None:
        statement = statement.where(Organisation.id.in_(
            select(organisation_regions.c.organisation_id).where(organisation_regions.c.region_id.in_(regions))))
    return statement
