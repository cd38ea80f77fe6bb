"""Staff pages for rounds: editors and admins manage them, analysts read them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Institution, Invitation, QuestionnaireVersion, Region, Round
from survey.rounds import pending
from survey.rounds.forms import InvitationForm, RoundForm, UploadForm, VersionForm
from survey.services import invitations as invitation_service
from survey.services import official_list
from survey.services import progress as progress_service
from survey.services import rounds as round_service

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

READERS = ("editor", "analyst")
PAGE_SIZE = 200


def _round(round_id: int) -> Round:
    round_ = round_service.get(round_id)
    if round_ is None:
        abort(404)
    return round_


def _invitation(round_: Round, invitation_id: int) -> Invitation:
    invitation = invitation_service.get(round_, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _show_error(form, exc) -> None:
    """Put a service error next to its field, or at the top of the page."""
    field = getattr(form, exc.field, None) if getattr(exc, "field", None) else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.get("/")
@roles_required(*READERS)
def index():
    """List every round with its invitation count."""
    counts = dict(db.session.execute(
        select(Invitation.round_id, func.count(Invitation.id))
        .where(Invitation.revoked_at.is_(None))
        .group_by(Invitation.round_id)
    ).all())
    return render_template("rounds/index.html", rounds=round_service.list_all(), counts=counts)


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
        except round_service.RoundError as exc:
            db.session.rollback()
            _show_error(form, exc)
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
    round_ = _round(round_id)
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
        except round_service.RoundError as exc:
            db.session.rollback()
            _show_error(form, exc)
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
    round_ = _round(round_id)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count(Invitation.id)).where(Invitation.round_id == round_.id))
    return render_template(
        "rounds/show.html",
        round=round_,
        invitations=invitation_service.list_for(round_, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE),
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        newer=round_service.newer_versions(round_) if round_.status == "open" else [],
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
    return _act(_round(round_id), round_service.open_round, _("Ronda abierta: las invitaciones salen por correo."))


@bp.post("/<int:round_id>/close")
@roles_required("editor")
def close(round_id: int):
    """Close the round."""
    return _act(_round(round_id), round_service.close_round, _("Ronda cerrada."))


@bp.route("/<int:round_id>/version", methods=["GET", "POST"])
@roles_required("editor")
def move_version(round_id: int):
    """Move an open round to a newer published version of its questionnaire."""
    round_ = _round(round_id)
    form = VersionForm()
    form.version.choices = [SelectChoice(v.id, f"v{v.number}") for v in round_service.newer_versions(round_)]
    if form.validate_on_submit():
        version = db.session.get(QuestionnaireVersion, form.version.data)
        try:
            round_service.move_to_version(round_, version)
        except round_service.RoundError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Las nuevas respuestas usarán la versión %(number)s.", number=version.number), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("rounds/version.html", form=form, round=round_), status


@bp.route("/<int:round_id>/invitations/upload", methods=["GET", "POST"])
@roles_required("editor")
def upload(round_id: int):
    """First step of an import: read the file and keep its rows for the report."""
    round_ = _round(round_id)
    if round_.status == "closed":
        flash(_("La ronda está cerrada."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        try:
            rows = official_list.parse(storage.filename or "", storage.read())
        except official_list.ListError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            key = pending.store(round_.id, current_user.id, storage.filename or "", rows)
            return redirect(url_for("rounds.review_import", round_id=round_.id, key=key))
    status = 422 if form.errors else 200
    return render_template("rounds/upload.html", form=form, round=round_), status


def _pending(round_: Round, key: str) -> tuple[str, list]:
    found = pending.load(key, round_.id, current_user.id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:round_id>/invitations/import/<key>")
@roles_required("editor")
def review_import(round_id: int, key: str):
    """Second step: the report of accepted and rejected rows, and the confirmation."""
    round_ = _round(round_id)
    filename, rows = _pending(round_, key)
    report = invitation_service.check_rows(round_, rows)
    return render_template("rounds/report.html", round=round_, report=report, filename=filename, key=key)


@bp.post("/<int:round_id>/invitations/import/<key>")
@roles_required("editor")
def confirm_import(round_id: int, key: str):
    """Last step: check the rows again against the round as it is now, then save them all."""
    round_ = _round(round_id)
    filename, rows = _pending(round_, key)
    report = invitation_service.check_rows(round_, rows)
    skip_invalid = request.form.get("skip_invalid") == "1"
    try:
        created = invitation_service.save(round_, report, skip_invalid=skip_invalid, source=filename)
        db.session.commit()
    except (invitation_service.InvitationError, IntegrityError) as exc:
        db.session.rollback()
        message = str(exc) if isinstance(exc, invitation_service.InvitationError) else _(
            "Otra persona invitó a alguno de estos correos mientras tanto: revise el informe.")
        flash(message, "error")
        report = invitation_service.check_rows(round_, rows)
        return render_template("rounds/report.html", round=round_, report=report, filename=filename, key=key), 409
    pending.discard(key)
    flash(_("%(count)s funcionarios invitados.", count=len(created)), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


def _reference_choices(form: InvitationForm) -> None:
    lang = current_language()
    institutions = db.session.scalars(select(Institution).order_by(Institution.acronym)).all()
    regions = db.session.scalars(select(Region).order_by(Region.name_es)).all()
    blank = SelectChoice("", _("— Elija —"))
    form.institution.choices = [blank] + [SelectChoice(i.code, f"{i.acronym} — {i.name(lang)}") for i in institutions]
    form.region.choices = [blank] + [SelectChoice(r.key, r.name(lang)) for r in regions]


@bp.route("/<int:round_id>/invitations/new", methods=["GET", "POST"])
@roles_required("editor")
def add_invitation(round_id: int):
    """Invite one official by hand."""
    round_ = _round(round_id)
    form = InvitationForm()
    _reference_choices(form)
    if form.validate_on_submit():
        try:
            invitation_service.add(round_, form.name.data, form.email.data, form.institution.data,
                                   form.region.data, form.position.data or "", form.language.data)
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
    round_ = _round(round_id)
    invitation = _invitation(round_, invitation_id)
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
@roles_required("editor")
def revoke(round_id: int, invitation_id: int):
    """Revoke an invitation: its link stops working."""
    return _invitation_action(round_id, invitation_id, invitation_service.revoke, _("Invitación revocada."))


@bp.post("/<int:round_id>/invitations/<int:invitation_id>/reissue")
@roles_required("editor")
def reissue(round_id: int, invitation_id: int):
    """Issue a new link: the old one stops working; the new one goes by e-mail."""
    return _invitation_action(round_id, invitation_id, invitation_service.reissue,
                              _("Nuevo enlace emitido; el anterior ya no funciona."))


@bp.get("/<int:round_id>/progress")
@roles_required(*READERS)
def progress(round_id: int):
    """Invitations by status, overall, per region and per institution."""
    round_ = _round(round_id)
    return render_template("rounds/progress.html", round=round_,
                           progress=progress_service.progress(round_, current_language()))
