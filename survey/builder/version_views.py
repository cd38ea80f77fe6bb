"""Preview, publication, new drafts, version history and diffs."""
from __future__ import annotations

import flask_babel
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import questionnaires
from survey.auth import roles_required
from survey.builder import editing
from survey.builder.blueprint import (
    EDIT,
    READ,
    bp,
    current_staff,
    questionnaire_or_404,
    version_or_404,
)
from survey.extensions import db
from survey.i18n import current_language
from survey.services import answer_messages, audit
from survey.services import questionnaires as qs


@bp.route("/<key>/v<int:number>/preview", methods=["GET", "POST"])
@roles_required(*READ)
def preview(key: str, number: int):
    """Show a version exactly as officials see it, in the chosen language.

    With JavaScript, show-if rules react as answers change (showif.js); without it, the
    "update preview" button posts the answers and the page comes back with the right questions.
    Nothing is stored.
    """
    questionnaire = questionnaire_or_404(key)
    version = version_or_404(questionnaire, number)
    lang = request.values.get("preview_lang")
    if lang not in ("es", "en"):
        lang = current_language()
    q = version.load()
    # The whole page, buttons and messages included, in the language officials would use.
    with flask_babel.force_locale(lang):
        answers, errors = _preview_answers(q, lang) if request.method == "POST" else ({}, {})
        return render_template("builder/preview.html", questionnaire=questionnaire, version=version, q=q,
                               lang=lang, answers=answers, errors=errors,
                               visible=questionnaires.visible_keys(q, answers))


def _preview_answers(q: questionnaires.Questionnaire, lang: str) -> tuple[dict, dict[str, list[str]]]:
    """The answers typed in the preview and the messages officials would get for them (nothing required yet)."""
    form = request.form.to_dict(flat=False)
    answers: dict = {}
    found = []
    for section in q.sections:
        parsed, problems = questionnaires.parse_form(q, section.key, form)
        answers.update(parsed)
        found.extend(problems)
    check = questionnaires.check_answers(q, answers, require_complete=False)
    errors: dict[str, list[str]] = {}
    for error in [*found, *check.errors, *check.warnings]:
        text = answer_messages.message(q, error, lang)
        if text not in errors.get(error.key, []):
            errors.setdefault(error.key, []).append(text)
    return answers, errors


@bp.post("/<key>/versions")
@roles_required(*EDIT)
def start_draft(key: str):
    """Start a new draft as a copy of the latest version ("Crear nueva versión")."""
    questionnaire = questionnaire_or_404(key)
    if questionnaire.draft is None:
        draft = qs.start_draft(questionnaire, user=current_staff())
        audit.record("questionnaire.draft", questionnaire, version=draft.number)
        db.session.commit()
        flash(_("Versión %(n)s creada como borrador.", n=draft.number), "success")
    return redirect(url_for("builder.draft", key=key))


@bp.route("/<key>/publish", methods=["GET", "POST"])
@roles_required(*EDIT)
def publish(key: str):
    """Show what changed since the last published version, and publish on confirmation."""
    questionnaire = questionnaire_or_404(key)
    draft = questionnaire.draft
    if draft is None:
        flash(_("No hay un borrador que publicar."), "error")
        return redirect(url_for("builder.overview", key=key))
    previous = questionnaire.latest_published
    # Example questions left in a new section would reach officials as "Nueva pregunta".
    placeholders = editing.placeholder_keys(draft.document)
    status = 422 if placeholders and request.method == "POST" else 200
    if request.method == "POST" and not placeholders:
        if request.form.get("base") != draft.fingerprint:
            flash(_("El borrador cambió después de que usted revisó los cambios. Revíselos de nuevo."), "error")
            status = 409
        else:
            version = qs.publish(questionnaire, user=current_staff())
            audit.record("questionnaire.publish", questionnaire, version=version.number,
                         fingerprint=version.fingerprint)
            db.session.commit()
            flash(_("Versión %(n)s publicada. Ya no se puede cambiar.", n=version.number), "success")
            return redirect(url_for("builder.overview", key=key))
    changes = questionnaires.diff(previous.load(), draft.load()) if previous is not None else None
    return render_template("builder/publish.html", questionnaire=questionnaire, draft=draft, previous=previous,
                           changes=changes, placeholders=placeholders, lang=current_language()), status


@bp.get("/<key>/history")
@roles_required(*READ)
def history(key: str):
    """Every version: who created and published it, when; links to view, export and compare."""
    questionnaire = questionnaire_or_404(key)
    return render_template("builder/history.html", questionnaire=questionnaire, lang=current_language())


@bp.get("/<key>/diff")
@roles_required(*READ)
def diff(key: str):
    """The differences between two chosen versions (``?a=1&b=2``)."""
    questionnaire = questionnaire_or_404(key)
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    if a is None or b is None:
        abort(400)
    old, new = version_or_404(questionnaire, a), version_or_404(questionnaire, b)
    changes = questionnaires.diff(old.load(), new.load())
    return render_template("builder/diff.html", questionnaire=questionnaire, old=old, new=new, changes=changes,
                           lang=current_language())
