"""Staff pages for a round's invitations: upload a list (check, then confirm), add one
official, revoke an invitation, issue a new link."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from survey import scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Institution, Region, Round
from survey.rounds import pending
from survey.rounds.blueprint import INVITERS, bp, get_invitation, get_round
from survey.rounds.forms import InvitationForm, UploadForm
from survey.services import invitations as invitation_service
from survey.services import official_list


@bp.route("/<int:round_id>/invitations/upload", methods=["GET", "POST"])
@roles_required(*INVITERS)
def upload(round_id: int):
    """First step of an import: read the file and keep its rows for the report."""
    round_ = get_round(round_id)
    if round_.status == "closed":
        flash(_("La ronda está cerrada."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        try:
            filename = (storage.filename or "")[-200:]
            rows = official_list.parse(filename, official_list.read_upload(storage.stream))
        except official_list.ListError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            key = pending.store(round_.id, current_user.id, filename, rows)
            return redirect(url_for("rounds.review_import", round_id=round_.id, key=key))
    status = 422 if form.errors else 200
    return render_template("rounds/upload.html", form=form, round=round_), status


def _pending(round_: Round, key: str) -> tuple[str, list]:
    found = pending.load(key, round_.id, current_user.id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:round_id>/invitations/import/<key>")
@roles_required(*INVITERS)
def review_import(round_id: int, key: str):
    """Second step: the report of accepted and rejected rows, and the confirmation."""
    round_ = get_round(round_id)
    filename, rows = _pending(round_, key)
    create_orgs = request.args.get("create_orgs") == "1"
    report = invitation_service.check_rows(round_, rows, scopes.current_scope().region_ids,
                                           create_orgs=create_orgs)
    return _report_page(round_, report, filename, key, create_orgs)


def _report_page(round_: Round, report, filename: str, key: str, create_orgs: bool, status: int = 200):
    has_unknown = any(reason.code in ("organisation_unknown", "organisation_kind_missing")
                      for rejection in report.rejected for reason in rejection.reasons)
    return render_template("rounds/report.html", round=round_, report=report, filename=filename, key=key,
                           create_orgs=create_orgs, has_unknown_organisations=has_unknown), status


@bp.post("/<int:round_id>/invitations/import/<key>")
@roles_required(*INVITERS)
def confirm_import(round_id: int, key: str):
    """Last step: check the rows again against the round as it is now, then save them all."""
    round_ = get_round(round_id)
    found = pending.load(key, round_.id, current_user.id)
    if found is None:
        # A second click after the list was saved lands here: say so rather than "not found".
        flash(_("Esta lista ya se guardó o caducó; revise los invitados abajo."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    filename, rows = found
    create_orgs = request.form.get("create_orgs") == "1"
    report = invitation_service.check_rows(round_, rows, scopes.current_scope().region_ids,
                                           create_orgs=create_orgs)
    skip_invalid = request.form.get("skip_invalid") == "1"
    try:
        created = invitation_service.save(round_, report, skip_invalid=skip_invalid, source=filename)
        db.session.commit()
    except (invitation_service.InvitationError, IntegrityError) as exc:
        db.session.rollback()
        message = str(exc) if isinstance(exc, invitation_service.InvitationError) else _(
            "Otra persona invitó a alguno de estos correos mientras tanto: revise el informe.")
        flash(message, "error")
        report = invitation_service.check_rows(round_, rows, scopes.current_scope().region_ids,
                                               create_orgs=create_orgs)
        return _report_page(round_, report, filename, key, create_orgs, 409)
    pending.discard(key)
    flash(ngettext("%(num)d persona invitada.", "%(num)d personas invitadas.", len(created)), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


def _reference_choices(form: InvitationForm) -> None:
    lang = current_language()
    institutions = db.session.scalars(select(Institution).order_by(Institution.acronym)).all()
    scope = scopes.current_scope()
    statement = select(Region).order_by(Region.name_es)
    if not scope.is_national:  # a coordinator invites people of their regions only
        statement = statement.where(Region.id.in_(sorted(scope.region_ids)))
    regions = db.session.scalars(statement).all()
    blank = SelectChoice("", _("— Elija —"))
    form.institution.choices = [blank] + [SelectChoice(i.code, f"{i.acronym} — {i.name(lang)}") for i in institutions]
    form.region.choices = [blank] + [SelectChoice(r.key, r.name(lang)) for r in regions]


@bp.route("/<int:round_id>/invitations/new", methods=["GET", "POST"])
@roles_required(*INVITERS)
def add_invitation(round_id: int):
    """Invite one official by hand."""
    round_ = get_round(round_id)
    form = InvitationForm()
    _reference_choices(form)
    if form.validate_on_submit():
        try:
            invitation_service.add(round_, form.name.data, form.email.data, form.institution.data,
                                   form.region.data, form.position.data or "", form.language.data,
                                   regions=scopes.current_scope().region_ids)
            db.session.commit()
        except invitation_service.InvitationError as exc:
            db.session.rollback()
            for reason in exc.reasons:
                field = getattr(form, reason.field, None) if reason.field else None
                if field is not None:
                    field.errors = [*field.errors, str(reason.message)]
                else:
                    form.form_errors.append(str(reason.message))
        except IntegrityError:
            db.session.rollback()
            form.email.errors = [*form.email.errors, _("El correo ya está invitado a esta ronda.")]
        else:
            flash(_("Funcionario invitado."), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/invitation_form.html", form=form, round=round_), status


def _invitation_action(round_id: int, invitation_id: int, action, done: str):
    round_ = get_round(round_id)
    invitation = get_invitation(round_, invitation_id)
    try:
        action(invitation)
    except invitation_service.InvitationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("rounds.show", round_id=round_.id, _anchor=f"inv-{invitation.id}"))


@bp.post("/<int:round_id>/invitations/<int:invitation_id>/revoke")
@roles_required(*INVITERS)
def revoke(round_id: int, invitation_id: int):
    """Revoke an invitation: its link stops working."""
    return _invitation_action(round_id, invitation_id, invitation_service.revoke, _("Invitación revocada."))


@bp.post("/<int:round_id>/invitations/<int:invitation_id>/reissue")
@roles_required(*INVITERS)
def reissue(round_id: int, invitation_id: int):
    """Issue a new link: the old one stops working; the new one goes by e-mail."""
    return _invitation_action(round_id, invitation_id, invitation_service.reissue,
                              _("Nuevo enlace emitido; el anterior ya no funciona."))
