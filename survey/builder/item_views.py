"""Forms for one section or one question of the draft: add, edit and delete (with a confirmation page)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from questionnaires.load_score import METHOD_TYPES
from questionnaires.schema import NUMERIC_TYPES, QUESTION_TYPES
from survey.auth import roles_required
from survey.builder import editing
from survey.builder.blueprint import (
    EDIT,
    STALE_MESSAGE,
    bp,
    draft_or_redirect,
    is_stale,
    questionnaire_or_404,
    save,
)
from survey.builder.forms import parse_question, question_values
from survey.builder.header_forms import axes_of, parse_section, section_values
from survey.builder.problems import (
    QUESTION_FIELDS,
    SECTION_FIELDS,
    Placed,
    Shown,
    place_problems,
)

STARTER_TYPE = "single_choice"


def _stale_placed() -> Placed:
    placed = Placed()
    placed.other.append(Shown(str(STALE_MESSAGE), ""))
    return placed


def _free_key(document: dict, stem: str) -> str:
    used = {s.get("key") for s in document["sections"]} | {
        q.get("key") for s in document["sections"] for q in s.get("questions", [])}
    number = 1
    while f"{stem}_{number}" in used:
        number += 1
    return f"{stem}_{number}"


# ----------------------------------------------------------------------------------------------- sections

def _section_page(questionnaire, version, values, placed, section_key=None, status=200):
    return render_template("builder/section_form.html", questionnaire=questionnaire, draft=version,
                           values=values, placed=placed, section_key=section_key,
                           axes=axes_of(version.document)), status


@bp.route("/<key>/draft/sections/new", methods=["GET", "POST"])
@roles_required(*EDIT)
def new_section(key: str):
    """Add a section, then ask for its first question.

    A stored draft is always a valid questionnaire and a section cannot be empty, so the section
    is saved with an example question and the editor goes straight to writing it (the form shows
    its text empty); a draft still holding an example question cannot be published.
    """
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    document = version.document
    if request.method == "GET":
        return _section_page(questionnaire, version, {"key": _free_key(document, "seccion")}, Placed())
    values = request.form.to_dict()
    if is_stale(version):
        return _section_page(questionnaire, version, values, _stale_placed(), status=409)
    placed = Placed()
    fields = parse_section(request.form, placed)
    if placed:
        return _section_page(questionnaire, version, values, placed, status=422)
    starter = editing.placeholder_question(_free_key(document, "pregunta"))
    section = {name: value for name, value in fields.items() if value is not None or name == "axis"}
    new = editing.add_section(document, {**section, "questions": [starter]})
    problems = save(questionnaire, version, new, "section.add", section=fields["key"])
    if problems:
        placed = place_problems(problems, editing.section_place(new, len(new["sections"]) - 1), SECTION_FIELDS)
        return _section_page(questionnaire, version, values, placed, status=422)
    flash(_("Sección añadida. Escriba ahora su primera pregunta."), "success")
    return redirect(url_for("builder.edit_question", key=key, question_key=starter["key"]))


@bp.route("/<key>/draft/sections/<section_key>", methods=["GET", "POST"])
@roles_required(*EDIT)
def edit_section(key: str, section_key: str):
    """Edit a section's key, titles, description and axis."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    document = version.document
    try:
        index = editing.section_index(document, section_key)
    except LookupError:
        abort(404)
    if request.method == "GET":
        values = section_values(document["sections"][index])
        return _section_page(questionnaire, version, values, Placed(), section_key)
    values = request.form.to_dict()
    if is_stale(version):
        return _section_page(questionnaire, version, values, _stale_placed(), section_key, 409)
    placed = Placed()
    fields = parse_section(request.form, placed)
    if placed:
        return _section_page(questionnaire, version, values, placed, section_key, 422)
    new = editing.replace_section(document, section_key, fields)
    problems = save(questionnaire, version, new, "section.edit", section=section_key)
    if problems:
        placed = place_problems(problems, editing.section_place(new, index), SECTION_FIELDS)
        return _section_page(questionnaire, version, values, placed, section_key, 422)
    flash(_("Sección guardada."), "success")
    return redirect(url_for("builder.draft", key=key, _anchor=f"section-{fields['key']}"))


# ----------------------------------------------------------------------------------------------- questions

def _question_page(questionnaire, version, values, placed, *, section_key, question_key=None, status=200):
    document = version.document
    earlier = editing.earlier_questions(document, question_key, section_key)
    return render_template(
        "builder/question_form.html", questionnaire=questionnaire, draft=version, values=values, placed=placed,
        section_key=section_key, question_key=question_key, types=QUESTION_TYPES, methods=tuple(METHOD_TYPES),
        earlier_choices=_choices(earlier, values.get("show_if_question")),
        numeric_choices=_choices([q for q in earlier if q.get("type") in NUMERIC_TYPES],
                                 values.get("max_ref"), values.get("score_denominator")),
    ), status


def _choices(questions: list[dict], *current: str | None) -> list[tuple[str, str]]:
    """Select choices for earlier questions, plus whatever was submitted so a refused value stays visible."""
    choices = [(q["key"], f"{q['key']} — {q.get('text', {}).get('es', '')}") for q in questions if q.get("key")]
    known = {key for key, _label in choices}
    return choices + [(value, value) for value in dict.fromkeys(current) if value and value not in known]


def _targets(document: dict, question_key: str | None, section_key: str) -> dict[str, dict]:
    return {q["key"]: q for q in editing.earlier_questions(document, question_key, section_key) if q.get("key")}


@bp.route("/<key>/draft/sections/<section_key>/questions/new", methods=["GET", "POST"])
@roles_required(*EDIT)
def new_question(key: str, section_key: str):
    """Add a question at the end of a section."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    document = version.document
    try:
        s_index = editing.section_index(document, section_key)
    except LookupError:
        abort(404)
    page: dict[str, Any] = {"section_key": section_key}
    if request.method == "GET":
        kind = request.args.get("type", STARTER_TYPE)
        values = question_values({"key": _free_key(document, "pregunta"),
                                  "type": kind if kind in QUESTION_TYPES else STARTER_TYPE})
        return _question_page(questionnaire, version, values, Placed(), **page)
    values = request.form.to_dict()
    if is_stale(version):
        return _question_page(questionnaire, version, values, _stale_placed(), status=409, **page)
    fragment, placed = parse_question(request.form, None, _targets(document, None, section_key))
    if placed:
        return _question_page(questionnaire, version, values, placed, status=422, **page)
    new = editing.add_question(document, section_key, fragment)
    problems = save(questionnaire, version, new, "question.add", question=fragment.get("key"))
    if problems:
        where = editing.question_places(new, s_index, len(new["sections"][s_index]["questions"]) - 1)
        return _question_page(questionnaire, version, values, place_problems(problems, where, QUESTION_FIELDS),
                              status=422, **page)
    flash(_("Pregunta añadida."), "success")
    return redirect(url_for("builder.draft", key=key, _anchor=f"question-{fragment['key']}"))


@bp.route("/<key>/draft/questions/<question_key>", methods=["GET", "POST"])
@roles_required(*EDIT)
def edit_question(key: str, question_key: str):
    """Edit every field of a question; errors come back next to their field with the typed text kept."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    document = version.document
    try:
        s_index, q_index = editing.locate(document, question_key)
    except LookupError:
        abort(404)
    existing = document["sections"][s_index]["questions"][q_index]
    page: dict[str, Any] = {"section_key": document["sections"][s_index]["key"], "question_key": question_key}
    if request.method == "GET":
        return _question_page(questionnaire, version, question_values(existing), Placed(), **page)
    values = request.form.to_dict()
    if is_stale(version):
        return _question_page(questionnaire, version, values, _stale_placed(), status=409, **page)
    fragment, placed = parse_question(request.form, existing, _targets(document, question_key, page["section_key"]))
    if placed:
        return _question_page(questionnaire, version, values, placed, status=422, **page)
    new = editing.replace_question(document, question_key, fragment)
    problems = save(questionnaire, version, new, "question.edit", question=question_key)
    if problems:
        where = editing.question_places(new, s_index, q_index)
        return _question_page(questionnaire, version, values, place_problems(problems, where, QUESTION_FIELDS),
                              status=422, **page)
    flash(_("Pregunta guardada."), "success")
    return redirect(url_for("builder.draft", key=key, _anchor=f"question-{fragment['key']}"))


# ----------------------------------------------------------------------------------------------- deleting

@bp.route("/<key>/draft/<any(sections, questions):kind>/<item_key>/delete", methods=["GET", "POST"])
@roles_required(*EDIT)
def delete_item(key: str, kind: str, item_key: str):
    """Ask, then delete a section (with its questions) or a question."""
    questionnaire = questionnaire_or_404(key)
    version = draft_or_redirect(questionnaire)
    document = version.document
    try:
        if kind == "sections":
            item = document["sections"][editing.section_index(document, item_key)]
        else:
            s_index, q_index = editing.locate(document, item_key)
            item = document["sections"][s_index]["questions"][q_index]
    except LookupError:
        abort(404)
    placed, status = Placed(), 200
    if request.method == "POST":
        if is_stale(version):
            placed, status = _stale_placed(), 409
        else:
            remover = editing.delete_section if kind == "sections" else editing.delete_question
            problems = save(questionnaire, version, remover(document, item_key),
                            "section.delete" if kind == "sections" else "question.delete", key=item_key)
            if not problems:
                flash(_("Borrado: %(key)s.", key=item_key), "success")
                return redirect(url_for("builder.draft", key=key))
            placed, status = place_problems(problems, [], {}), 422
    return render_template("builder/delete.html", questionnaire=questionnaire, draft=version, kind=kind,
                           item=item, placed=placed), status
