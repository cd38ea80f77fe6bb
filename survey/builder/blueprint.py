"""The builder blueprint and the helpers its views share: loading, conflict checks, saving a draft."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import questionnaires
from questionnaires.diff_text import readable_pair
from survey.builder import editing
from survey.extensions import db
from survey.models import Questionnaire, QuestionnaireVersion
from survey.services import audit
from survey.services import questionnaires as qs

bp = Blueprint("builder", __name__, url_prefix="/builder")

#: Who may change questionnaires (admins always pass roles_required) and who may look at them.
EDIT = ("editor",)
READ = ("editor", "analyst")

TYPE_LABELS = {
    "single_choice": _l("Opción única"),
    "multiple_choice": _l("Opción múltiple"),
    "yes_no": _l("Sí / No"),
    "integer": _l("Número entero"),
    "decimal": _l("Número decimal"),
    "currency": _l("Monto en soles"),
    "date": _l("Fecha"),
    "text": _l("Texto corto"),
    "long_text": _l("Texto largo"),
    "likert": _l("Escala (Likert)"),
    "matrix": _l("Matriz"),
}


SECTION_CHANGES = {
    "added": _l("añadida"),
    "removed": _l("eliminada"),
    "moved": _l("movida"),
    "retitled": _l("título"),
    "description_changed": _l("descripción"),
    "axis_changed": _l("eje"),
}
FIELD_NAMES = {
    "text": _l("Texto"),
    "help": _l("Ayuda"),
    "type": _l("Tipo"),
    "required": _l("Obligatoria"),
    "options": _l("Opciones"),
    "validation": _l("Validación"),
    "show_if": _l("Condición"),
    "score": _l("Puntaje"),
    "info": _l("Datos informativos"),
}


@bp.context_processor
def _builder_globals() -> dict[str, Any]:
    return {"type_labels": TYPE_LABELS, "section_kinds": SECTION_CHANGES, "field_names": FIELD_NAMES,
            "readable_pair": readable_pair, "translation_gaps": questionnaires.translation_gaps}


def current_staff():
    """The logged-in User object (not the proxy), for services that store who did what."""
    return current_user._get_current_object()


def questionnaire_or_404(key: str) -> Questionnaire:
    """The questionnaire with *key*, or a 404 page."""
    questionnaire = qs.get(key)
    if questionnaire is None:
        abort(404)
    return questionnaire


def version_or_404(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion:
    """Version *number* of *questionnaire*, or a 404 page."""
    try:
        return qs.get_version(questionnaire, number)
    except qs.VersionError:
        abort(404)


def draft_or_redirect(questionnaire: Questionnaire) -> QuestionnaireVersion:
    """The draft; without one, back to the questionnaire page with an explanation."""
    draft = questionnaire.draft
    if draft is None:
        flash(_("Esta versión ya está publicada y no se puede cambiar. Cree una nueva versión para editar."), "error")
        abort(redirect(url_for("builder.overview", key=questionnaire.key)))
    return draft


def is_stale(draft: QuestionnaireVersion) -> bool:
    """True when the page the user submitted was built from an older state of the draft.

    Every editing form carries the fingerprint it was built from, so two people editing the
    same draft cannot silently overwrite each other's changes.
    """
    return request.form.get("base", "") != draft.fingerprint


STALE_MESSAGE = _l("Otra persona cambió el borrador mientras usted editaba. Sus datos siguen en el formulario: "
                   "revise la versión actual y vuelva a guardar.")


def save(questionnaire: Questionnaire, draft: QuestionnaireVersion, document: dict[str, Any], change: str,
         **details: Any) -> list:
    """Validate and store *document* as the draft, audited and committed; return the problems if invalid."""
    problems = editing.check(document)
    if problems:
        return problems
    qs.save_draft(draft, document)
    audit.record("questionnaire.edit", questionnaire, version=draft.number, change=change, **details)
    db.session.commit()
    return []
