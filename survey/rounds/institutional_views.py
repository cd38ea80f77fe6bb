"""Staff pages for institutional responses: an organisation's focal point and section assignments, and the
successor who takes the place of an official who left (a move of the invitation, in either kind of round).

Editors manage every organisation; a coordinator those with officials in their regions (survey.scopes):
an organisation or invitation out of scope answers the same 404 as an unknown one.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey import scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Invitation, Round
from survey.rounds.blueprint import INVITERS, bp, get_invitation, get_round, show_error
from survey.rounds.forms import SuccessorForm
from survey.services import audit, institutional, responses


@bp.post("/<int:round_id>/invitations/<int:invitation_id>/focal-point")
@roles_required(*INVITERS)
def focal_point(round_id: int, invitation_id: int):
    """Make this official the one who submits for their organisation."""
    round_ = get_round(round_id)
    invitation = get_invitation(round_, invitation_id)
    try:
        institutional.set_focal_point(invitation)
    except institutional.InstitutionalError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s enviará las respuestas de su organización.", name=invitation.name), "success")
    return redirect(url_for("rounds.show", round_id=round_.id, _anchor=f"org-{invitation.organisation_id}"))


@bp.route("/<int:round_id>/invitations/<int:invitation_id>/successor", methods=["GET", "POST"])
@roles_required(*INVITERS)
def successor(round_id: int, invitation_id: int):
    """Move the invitation of an official who left to their successor: new link, old link dead, answers kept."""
    round_ = get_round(round_id)
    invitation = get_invitation(round_, invitation_id)
    form = SuccessorForm()
    if form.validate_on_submit():
        try:
            new, _token = institutional.successor(invitation, form.name.data, form.email.data, form.position.data or "")
        except institutional.InstitutionalError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("La invitación pasó a %(name)s; el enlace anterior ya no funciona.", name=new.name), "success")
            return redirect(url_for("rounds.show", round_id=round_.id, _anchor=f"inv-{new.id}"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/successor.html", form=form, round=round_, invitation=invitation), status


def _team(round_: Round, organisation_id: int) -> institutional.OrganisationTeam:
    """The organisation's officials the user may manage, or a 404 (none in scope, or not in this round)."""
    in_scope = db.session.scalar(select(Invitation.id).where(
        Invitation.round_id == round_.id, Invitation.organisation_id == organisation_id,
        Invitation.revoked_at.is_(None), scopes.invitations_in_scope()).limit(1))
    if in_scope is None:
        abort(404)
    return institutional.teams(round_, where=Invitation.organisation_id == organisation_id)[0]


@bp.route("/<int:round_id>/organisations/<int:organisation_id>/sections", methods=["GET", "POST"])
@roles_required(*INVITERS)
def sections(round_id: int, organisation_id: int):
    """Give each section of the organisation's response to one of its officials, or leave it open to all."""
    round_ = get_round(round_id)
    if not round_.is_per_organisation:
        flash(_("Esta ronda recoge una respuesta por persona: no se asignan secciones."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    team = _team(round_, organisation_id)
    questionnaire = responses.load_version(team.response.version_id if team.response else round_.version_id)
    officials = {str(invitation.id): invitation for invitation in team.invitations}
    if request.method == "POST":
        for section in questionnaire.sections:
            chosen = request.form.get(f"section-{section.key}", "")
            if chosen and chosen not in officials:
                abort(400)
            holder = officials.get(chosen)
            current = team.assignments.get(section.key)
            if (current.id if current else None) != (holder.id if holder else None):
                institutional.assign(round_, organisation_id, section.key, holder)
        audit.record("organisation.sections", round_, organisation=organisation_id)
        db.session.commit()
        flash(_("Asignación de secciones guardada."), "success")
        return redirect(url_for("rounds.show", round_id=round_.id, _anchor=f"org-{organisation_id}"))
    return render_template("rounds/sections.html", round=round_, team=team, questionnaire=questionnaire,
                           lang=current_language())
