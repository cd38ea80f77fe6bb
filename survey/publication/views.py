"""The review step: staff see exactly what would be public (and what is suppressed, and why), then
publish, publish again or unpublish a round's scorecard."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey import scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Round
from survey.publication import render, services, snapshot
from survey.publication.forms import PublicationForm

bp = Blueprint("publication", __name__)

#: who may publish (admins always pass)
PUBLISHERS = ("editor",)


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return scopes.check_round(round_)


def _review(round_: Round, form: PublicationForm, status: int = 200):
    k = form.k.data if form.k.data and not form.k.errors else form.k.default
    review = snapshot.build(round_, k, bool(form.is_naming_organisations.data))
    public = snapshot.public(review)
    return render_template("publication/review.html", round=round_, form=form, snapshot=public,
                           suppressed=snapshot.suppressed_cells(review), live=services.live(round_.id),
                           lang=current_language(), render=render, is_review=True), status


@bp.get("/rounds/<int:round_id>/publication")
@roles_required(*PUBLISHERS)
def review(round_id: int):
    """The snapshot that publishing would take now, drawn as the public page draws it, with the
    suppressed figures listed (k and the naming of organisations can be tried from the query string)."""
    round_ = _round(round_id)
    live = services.live(round_.id)
    form = PublicationForm(request.args if "k" in request.args else None, meta={"csrf": False})
    if "k" not in request.args and live is not None:
        form.k.data, form.is_naming_organisations.data = live.k, live.is_naming_organisations
    if "k" in request.args:
        form.validate()
    return _review(round_, form)


@bp.post("/rounds/<int:round_id>/publication")
@roles_required(*PUBLISHERS)
def publish(round_id: int):
    """Take the snapshot now and make it public (replacing the live one)."""
    round_ = _round(round_id)
    form = PublicationForm()
    if not form.validate_on_submit():
        return _review(round_, form, 400)
    services.publish(round_, current_user, k=form.k.data, is_naming_organisations=form.is_naming_organisations.data)
    db.session.commit()
    flash(_("Resultados publicados: la página pública muestra esta instantánea hasta que los publique de nuevo."),
          "success")
    return redirect(url_for("publication.review", round_id=round_.id), 303)


@bp.post("/rounds/<int:round_id>/publication/withdraw")
@roles_required(*PUBLISHERS)
def unpublish(round_id: int):
    """Remove the public scorecard: its page, files and charts answer 410 from now on."""
    round_ = _round(round_id)
    if services.unpublish(round_):
        db.session.commit()
        flash(_("Publicación retirada: la página pública y sus datos ya no están disponibles."), "success")
    else:
        flash(_("Esta ronda no tiene resultados publicados."), "error")
    return redirect(url_for("publication.review", round_id=round_.id), 303)
