"""Staff pages for rounds: editors and admins manage them, analysts read them."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from survey import scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Invitation, QuestionnaireVersion, Round
from survey.rounds import institutional_views, invitation_views  # noqa: F401  (add their pages to bp)
from survey.rounds.blueprint import READERS, bp, get_round, show_error
from survey.rounds.forms import RoundForm, VersionForm
from survey.services import institutional
from survey.services import invitations as invitation_service
from survey.services import progress as progress_service
from survey.services import rounds as round_service

__all__ = ["bp"]

PAGE_SIZE = 200


@bp.get("/")
@roles_required(*READERS)
def index():
    """List every round with its invitation count."""
    counts = dict(db.session.execute(
        select(Invitation.round_id, func.count(Invitation.id))
        .where(Invitation.revoked_at.is_(None), scopes.invitations_in_scope())
        .group_by(Invitation.round_id)
    ).all())
    rounds = [round_ for round_ in round_service.list_all() if scopes.current_scope().allows_round(round_.id)]
    return render_template("rounds/index.html", rounds=rounds, counts=counts)


def _version_choices(form: RoundForm) -> None:
    form.version.choices = [
        SelectChoice(v.id, f"{v.questionnaire.key} v{v.number} — {v.load().title.get(current_language())}")
        for v in round_service.published_versions()
    ]


def _round_fields(form: RoundForm) -> dict:
    version = db.session.get(QuestionnaireVersion, form.version.data)
    if version is None:
        raise round_service.RoundError(_("Elija una versión publicada del cuestionario."), "version")
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "version": version,
        "opens_at": form.opens_at.data,
        "closes_at": form.closes_at.data,
        "estimated_minutes": form.estimated_minutes.data,
        "allow_edit_after_submit": form.allow_edit_after_submit.data,
        "reminder_policy": form.reminder_policy(),
        # left out when not sent: the round keeps its period (365 days for a new one)
        **({"retention_days": form.retention_days.data} if form.retention_days.data is not None else {}),
    }


@bp.route("/new", methods=["GET", "POST"])
@roles_required("editor")
def create():
    """Create a draft round."""
    form = RoundForm()
    _version_choices(form)
    if form.validate_on_submit():
        try:
            fields = _round_fields(form)
            round_ = round_service.create(fields.pop("version"), fields.pop("title"), fields.pop("opens_at"),
                                          fields.pop("closes_at"), user=current_user, **fields)
            institutional.set_per_organisation(round_, form.is_per_organisation.data)
        except (round_service.RoundError, institutional.InstitutionalError) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Ronda creada como borrador."), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/form.html", form=form, round=None), status


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
def edit(round_id: int):
    """Edit a round until it is opened."""
    round_ = get_round(round_id)
    if round_.status != "draft":
        flash(_("Una ronda ya abierta no se puede modificar."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    form = RoundForm(obj=round_ if request.method == "GET" else None)
    _version_choices(form)
    if request.method == "GET":
        form.version.data = round_.version_id
        form.opens_at.data = round_service.utc_to_lima(round_.opens_at)
        form.closes_at.data = round_service.utc_to_lima(round_.closes_at)
        form.fill_policy(round_.reminder_policy or round_service.DEFAULT_POLICY)
    elif form.validate_on_submit():
        try:
            round_service.update(round_, **_round_fields(form))
            institutional.set_per_organisation(round_, form.is_per_organisation.data)
        except (round_service.RoundError, institutional.InstitutionalError) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Ronda guardada."), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/form.html", form=form, round=round_), status


@bp.get("/<int:round_id>")
@roles_required(*READERS)
def show(round_id: int):
    """A round, its actions, and a page of its invitations."""
    round_ = get_round(round_id)
    page = max(request.args.get("page", 1, type=int), 1)
    in_scope = scopes.invitations_in_scope()
    total = db.session.scalar(select(func.count(Invitation.id)).where(Invitation.round_id == round_.id, in_scope))
    return render_template(
        "rounds/show.html",
        round=round_,
        invitations=invitation_service.list_for(round_, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                                                where=in_scope),
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        newer=round_service.newer_versions(round_) if round_.status == "open" else [],
        teams=institutional.teams(round_, where=in_scope) if round_.is_per_organisation else [],
    )


def _act(round_: Round, action, done: str):
    try:
        action(round_)
    except round_service.RoundError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.post("/<int:round_id>/open")
@roles_required("editor")
def open_(round_id: int):
    """Open the round and queue the invitation e-mails."""
    return _act(get_round(round_id), round_service.open_round, _("Ronda abierta: las invitaciones salen por correo."))


@bp.post("/<int:round_id>/close")
@roles_required("editor")
def close(round_id: int):
    """Close the round."""
    return _act(get_round(round_id), round_service.close_round, _("Ronda cerrada."))


@bp.route("/<int:round_id>/version", methods=["GET", "POST"])
@roles_required("editor")
def move_version(round_id: int):
    """Move an open round to a newer published version of its questionnaire."""
    round_ = get_round(round_id)
    form = VersionForm()
    form.version.choices = [SelectChoice(v.id, f"v{v.number}") for v in round_service.newer_versions(round_)]
    if form.validate_on_submit():
        version = db.session.get(QuestionnaireVersion, form.version.data)
        try:
            round_service.move_to_version(round_, version)
        except round_service.RoundError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Las nuevas respuestas usarán la versión %(number)s.", number=version.number), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/version.html", form=form, round=round_), status


@bp.get("/<int:round_id>/progress")
@roles_required(*READERS)
def progress(round_id: int):
    """Invitations by status, overall, per region and per institution."""
    round_ = get_round(round_id)
    return render_template("rounds/progress.html", round=round_,
                           progress=progress_service.progress(round_, current_language(),
                                                              where=scopes.invitations_in_scope()))
