"""Handing the questionnaire off through the link: declining it, or forwarding it to a colleague."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from survey.auth import public
from survey.extensions import db
from survey.respond.blueprint import bp
from survey.respond.forms import DeclineForm, ForwardForm
from survey.services import handoffs


@bp.route("/decline", methods=["GET", "POST"])
@public
def decline():
    """Tell the organisers that the institution will not answer, and why."""
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            handoffs.decline(g.invitation, form.reason.data or "")
        except handoffs.HandoffError as error:
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Registramos que no responderá. Gracias por avisarnos."), "success")
            return redirect(url_for("respond.welcome"), 303)
    return render_template("respond/decline.html", form=form, invitation=g.invitation)


@bp.route("/forward", methods=["GET", "POST"])
@public
def forward():
    """Pass the questionnaire to a colleague of the same institution (this link stops working)."""
    form = ForwardForm()
    if form.validate_on_submit():
        try:
            colleague, _token = handoffs.forward(g.invitation, form.name.data, form.email.data,
                                                 form.position.data or "")
        except handoffs.HandoffError as error:
            getattr(form, error.field or "email").errors = [error.message]
        else:
            db.session.commit()
            return render_template("respond/forwarded.html", colleague=colleague)
    return render_template("respond/forward.html", form=form, invitation=g.invitation)
