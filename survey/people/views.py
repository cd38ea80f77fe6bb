"""Staff pages for one invited person's data (Ley 29733): what is held, its download, its erasure."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from survey.auth import roles_required
from survey.extensions import db
from survey.models import Invitation
from survey.models._types import utcnow
from survey.people.forms import EraseForm, ExportForm
from survey.services import personal_data

bp = Blueprint("people", __name__, url_prefix="/people")


def _invitation(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _page(invitation: Invitation, erase_form: EraseForm | None = None, status: int = 200):
    when = personal_data.erasable_from(invitation.round)
    return render_template(
        "people/show.html", invitation=invitation, others=[i for i in personal_data.same_person(invitation)
                                                           if i.id != invitation.id],
        erasable_from=when, can_erase=when is not None and when <= utcnow() and invitation.erased_at is None,
        export_form=ExportForm(), erase_form=erase_form or EraseForm(),
    ), status


@bp.get("/<int:invitation_id>")
@roles_required("editor")
def show(invitation_id: int):
    """What is held about the person of an invitation, and when it may be erased."""
    return _page(_invitation(invitation_id))


@bp.post("/<int:invitation_id>/export")
@roles_required("editor")
def export(invitation_id: int):
    """A ZIP of everything held about the person (every invitation to the same e-mail), audited."""
    invitation = _invitation(invitation_id)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("La sesión del formulario caducó: envíelo de nuevo."), "error")
        return redirect(url_for("people.show", invitation_id=invitation.id))
    data = personal_data.export(personal_data.same_person(invitation))
    db.session.commit()
    # The file is named by the invitation id: a download folder must not list who asked.
    filename = f"datos-personales-invitacion-{invitation.id}.zip"
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.post("/<int:invitation_id>/erase")
@roles_required("editor")
def erase(invitation_id: int):
    """Erase the person of an invitation once its round's retention period is over."""
    invitation = _invitation(invitation_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(invitation, form, 422)
    try:
        done = personal_data.erase(invitation)
    except personal_data.PersonalDataError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _page(invitation, form, 409)
    db.session.commit()
    if done:
        flash(_("Datos personales eliminados. Las respuestas de la organización y los resultados se conservan."),
              "success")
    else:
        flash(_("Esta persona ya había sido eliminada."), "info")
    return redirect(url_for("people.show", invitation_id=invitation.id))
