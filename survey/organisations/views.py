"""Organisations pages: staff keep the registry of State bodies and civil-society groups."""
from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from survey.auth import roles_required
from survey.extensions import db
from survey.models import Institution, Invitation, Region
from survey.models.organisations import KINDS, Organisation
from survey.organisations.forms import KIND_LABELS, ConfirmForm, ImportForm, MergeForm, OrganisationForm
from survey.services import organisation_import, organisations
from survey.services.official_list import ListError

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

READ = ("editor", "analyst")
EDIT = ("editor",)
PAGE_SIZE = 50
MAX_UPLOAD = 5 * 1024 * 1024


def _organisation_or_404(organisation_id: int) -> Organisation:
    return db.get_or_404(Organisation, organisation_id)


@bp.get("/")
@roles_required(*READ)
def index():
    """Every organisation, searchable by name, former name or acronym; filtered by region and kind."""
    query = request.args.get("q", "")[:200]
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    region = db.session.get(Region, request.args.get("region", type=int) or 0)
    include_inactive = bool(request.args.get("inactive"))
    statement = organisations.search(query, region=region, kind=kind, include_inactive=include_inactive)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = db.session.scalars(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template(
        "organisations/index.html", organisations=rows, total=total, page=page, pages=pages, query=query,
        kind=kind, region=region, include_inactive=include_inactive, kind_labels=KIND_LABELS,
        regions=db.session.scalars(select(Region).order_by(Region.ubigeo)).all(),
    )


def _apply(form: OrganisationForm, organisation: Organisation | None) -> Organisation:
    institution = db.session.get(Institution, form.institution.data) if form.institution.data else None
    regions = list(db.session.scalars(select(Region).where(Region.id.in_(form.regions.data or []))))
    ruc = form.ruc.data or None
    if organisation is None:
        return organisations.create(form.name.data, form.kind.data, acronym=form.acronym.data or "",
                                    institution=institution, regions=regions, ruc=ruc)
    organisations.rename(organisation, form.name.data)
    organisation.acronym = (form.acronym.data or "").strip()
    organisation.kind, organisation.institution, organisation.regions, organisation.ruc = (
        form.kind.data, institution, regions, ruc)
    db.session.flush()
    return organisation


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDIT)
def create():
    """Register an organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = _apply(form, None)
        except organisations.OrganisationError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Organización registrada."), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None), 422 if form.errors else 200


def _show_page(organisation: Organisation, form: OrganisationForm, status: int = 200):
    invitations = db.session.scalar(select(func.count()).where(Invitation.organisation_id == organisation.id))
    merge_form = MergeForm()
    merge_form.into.choices = [SelectChoice(other.id, other.label()) for other in db.session.scalars(
        select(Organisation).where(Organisation.is_active, Organisation.id != organisation.id,
                                   Organisation.kind == organisation.kind).order_by(Organisation.folded_name))]
    return render_template("organisations/show.html", organisation=organisation, form=form, merge_form=merge_form,
                           confirm_form=ConfirmForm(), invitations=invitations, kind_labels=KIND_LABELS), status


@bp.get("/<int:organisation_id>")
@roles_required(*READ)
def show(organisation_id: int):
    """One organisation: its data (editable by editors), former names, invitations, merge and deactivate."""
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm(obj=organisation)
    form.institution.data = organisation.institution_id or 0
    form.regions.data = [region.id for region in organisation.regions]
    return _show_page(organisation, form)


@bp.post("/<int:organisation_id>")
@roles_required(*EDIT)
def edit(organisation_id: int):
    """Save the changes to an organisation (a new name keeps the old one searchable)."""
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            _apply(form, organisation)
        except organisations.OrganisationError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Cambios guardados."), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return _show_page(organisation, form, 422)


@bp.post("/<int:organisation_id>/active")
@roles_required(*EDIT)
def set_active(organisation_id: int):
    """Deactivate (or reactivate) an organisation."""
    organisation = _organisation_or_404(organisation_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("organisations.show", organisation_id=organisation.id))
    try:
        organisations.set_active(organisation, not organisation.is_active)
    except organisations.OrganisationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Organización activada.") if organisation.is_active else _("Organización desactivada."), "success")
    return redirect(url_for("organisations.show", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/delete")
@roles_required(*EDIT)
def delete(organisation_id: int):
    """Delete an organisation nothing refers to."""
    organisation = _organisation_or_404(organisation_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("organisations.show", organisation_id=organisation.id))
    try:
        organisations.delete(organisation)
    except organisations.OrganisationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("organisations.show", organisation_id=organisation_id))
    db.session.commit()
    flash(_("Organización borrada."), "success")
    return redirect(url_for("organisations.index"))


@bp.post("/<int:organisation_id>/merge")
@roles_required(*EDIT)
def merge(organisation_id: int):
    """Merge this organisation, a duplicate, into the one chosen: everything attached moves there."""
    duplicate = _organisation_or_404(organisation_id)
    form = MergeForm()
    form.into.choices = None  # any organisation id; the service checks what may be merged
    form.into.validate_choice = False
    kept = db.session.get(Organisation, form.into.data or 0) if form.validate_on_submit() else None
    if kept is None:
        flash(_("Elija la organización que se conserva."), "error")
        return redirect(url_for("organisations.show", organisation_id=organisation_id))
    try:
        organisations.merge(kept, duplicate)
    except organisations.OrganisationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("organisations.show", organisation_id=organisation_id))
    db.session.commit()
    flash(_("«%(duplicate)s» se fusionó con «%(kept)s».", duplicate=duplicate.name, kept=kept.name), "success")
    return redirect(url_for("organisations.show", organisation_id=kept.id))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDIT)
def import_file():
    """Register the organisations of an .xlsx/.csv file: every row checked, all or nothing."""
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(MAX_UPLOAD + 1)
        try:
            if len(data) > MAX_UPLOAD:
                raise ListError(_("El archivo pesa más de 5 MB."))
            report = organisation_import.check(upload.filename or "", data)
        except ListError as exc:
            form.file.errors.append(str(exc))
            status = 422
        else:
            if report.rejected:
                status = 422
            elif not form.is_dry_run.data:
                created = organisation_import.save(report, source=upload.filename or "")
                db.session.commit()
                flash(ngettext("%(num)d organización registrada.", "%(num)d organizaciones registradas.",
                               len(created)), "success")
                return redirect(url_for("organisations.index"))
    elif form.is_submitted():
        status = 422
    return render_template("organisations/import.html", form=form, report=report), status
