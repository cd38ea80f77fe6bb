"""Builder pages: the list of questionnaires, creating one, and a questionnaire's own page.

The editing, version and file pages live in sibling modules that add their routes to the same
blueprint; importing them here registers them.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.auth import roles_required
from survey.builder import draft_views, editing, exchange_views, item_views, version_views  # noqa: F401
from survey.builder import fields as f
from survey.builder.blueprint import EDIT, READ, bp, current_staff, questionnaire_or_404
from survey.builder.header_forms import builtin_frameworks, parse_header
from survey.builder.problems import HEADER_FIELDS, Placed, place_problems
from survey.extensions import db
from survey.i18n import current_language
from survey.services import audit
from survey.services import questionnaires as qs

__all__ = ["bp"]


@bp.get("/")
@roles_required(*READ)
def index():
    """Every questionnaire with its versions and their state."""
    return render_template("builder/index.html", questionnaires=qs.list_all(), lang=current_language())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDIT)
def create():
    """Create a questionnaire: key, title and framework; it starts with one section and one question."""
    values = {"framework": "pnat-2017-2021"}
    placed = Placed()
    if request.method == "POST":
        values = request.form.to_dict()
        key = f.limit(request.form, "key", 64, placed, "key")
        header = parse_header(request.form, placed)
        if key and qs.get(key) is not None:
            placed.add("key", _("Ya existe un cuestionario con la clave %(key)s.", key=key))
        if not placed:
            # The starter section is always valid, so any problem comes from the header fields.
            document = editing.starter_document(key, header["title"], header["framework"], header["description"])
            placed = place_problems(editing.check(document), [""], HEADER_FIELDS)
        if not placed:
            version = qs.import_document(document, user=current_staff())
            audit.record("questionnaire.create", version.questionnaire, version=version.number)
            db.session.commit()
            flash(_("Cuestionario creado. Empiece por editar la sección y la pregunta de ejemplo."), "success")
            return redirect(url_for("builder.draft", key=key))
    return render_template("builder/new.html", values=values, placed=placed, frameworks=builtin_frameworks()), \
        422 if placed else 200


@bp.get("/<key>")
@roles_required(*READ)
def overview(key: str):
    """A questionnaire: its versions, and what can be done with each."""
    questionnaire = questionnaire_or_404(key)
    return render_template("builder/overview.html", questionnaire=questionnaire, lang=current_language(),
                           current=questionnaire.latest.load())
