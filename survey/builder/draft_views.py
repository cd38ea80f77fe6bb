"""The draft editor page: header form, the outline of sections and questions, moving things around."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.auth import roles_required
from survey.builder import editing
from survey.builder.blueprint import EDIT, STALE_MESSAGE, bp, draft_or_redirect, is_stale, questionnaire_or_404, save
from survey.builder.header_forms import axes_of, builtin_frameworks, header_values, parse_header
from survey.builder.problems import HEADER_FIELDS, Placed, Shown, place_problems
from survey.i18n import current_language


def render_draft(questionnaire, draft, *, values=None, placed=None, status=200):
    """The editor page of *draft*, with the header form showing *values* and *placed* problems."""
    document = draft.document
    return render_template(
        "builder/draft.html",
        questionnaire=questionnaire,
        draft=draft,
        document=document,
        q=draft.load(),
        values=values or header_values(document),
        placed=placed or Placed(),
        frameworks=builtin_frameworks(),
        axes=dict(axes_of(document)),
        lang=current_language(),
    ), status


@bp.get("/<key>/draft")
@roles_required(*EDIT)
def draft(key: str):
    """Edit the draft: header, sections and questions, with move buttons."""
    questionnaire = questionnaire_or_404(key)
    return render_draft(questionnaire, draft_or_redirect(questionnaire))


@bp.post("/<key>/draft/header")
@roles_required(*EDIT)
def edit_header(key: str):
    """Save title, description and framework."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    values = request.form.to_dict()
    placed = Placed()
    if is_stale(version):
        placed.other.append(_stale())
        return render_draft(questionnaire, version, values=values, placed=placed, status=409)
    header = parse_header(request.form, placed)
    if not placed:
        document = editing.set_header(version.document, header)
        problems = save(questionnaire, version, document, "header")
        if not problems:
            flash(_("Datos generales guardados."), "success")
            return redirect(url_for("builder.draft", key=key))
        placed = place_problems(problems, [""], HEADER_FIELDS)
    return render_draft(questionnaire, version, values=values, placed=placed, status=422)


@bp.post("/<key>/draft/move")
@roles_required(*EDIT)
def move(key: str):
    """Move a section or question one place up or down (the buttons of the outline)."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    kind, _sep, rest = request.form.get("move", "").partition(":")
    item, _sep, direction = rest.rpartition(":")
    if kind not in ("section", "question") or direction not in ("up", "down"):
        return render_draft(questionnaire, version, placed=_other(_("Movimiento no válido.")), status=400)
    if is_stale(version):
        return render_draft(questionnaire, version, placed=_other(str(STALE_MESSAGE)), status=409)
    offset = -1 if direction == "up" else 1
    try:
        mover = editing.move_section if kind == "section" else editing.move_question
        document = mover(version.document, item, offset)
    except LookupError:
        return render_draft(questionnaire, version, placed=_other(_("Ya no existe: %(key)s.", key=item)), status=404)
    problems = save(questionnaire, version, document, f"{kind}.move", key=item, direction=direction)
    if problems:
        placed = place_problems(problems, [], {})
        placed.other.insert(0, _explained(_("No se puede mover %(key)s ahí:", key=item)))
        return render_draft(questionnaire, version, placed=placed, status=422)
    return redirect(url_for("builder.draft", key=key, _anchor=f"{kind}-{item}"))


@bp.post("/<key>/draft/order")
@roles_required(*EDIT)
def reorder(key: str):
    """Save a whole new order (sent by drag and drop): ``section=q1,q2;other=q3``."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    if is_stale(version):
        return render_draft(questionnaire, version, placed=_other(str(STALE_MESSAGE)), status=409)
    order = []
    for chunk in request.form.get("order", "").split(";"):
        section, _sep, questions = chunk.partition("=")
        if section.strip():
            order.append((section.strip(), [item.strip() for item in questions.split(",") if item.strip()]))
    try:
        document = editing.reorder(version.document, order)
    except LookupError:
        return render_draft(questionnaire, version, placed=_other(_("El nuevo orden no coincide con el borrador; "
                                                                    "recargue la página.")), status=400)
    problems = save(questionnaire, version, document, "reorder")
    if problems:
        placed = place_problems(problems, [], {})
        placed.other.insert(0, _explained(_("Ese orden no es posible:")))
        return render_draft(questionnaire, version, placed=placed, status=422)
    flash(_("Orden guardado."), "success")
    return redirect(url_for("builder.draft", key=key))


def _explained(message: str) -> Shown:
    return Shown(message, "")


def _stale() -> Shown:
    return _explained(str(STALE_MESSAGE))


def _other(message: str) -> Placed:
    placed = Placed()
    placed.other.append(_explained(message))
    return placed
