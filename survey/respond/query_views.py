"""Staff queries and plausibility flags on the personal link.

A query reopens one question alone, even after submission or after the round closed: the page shows the
thread and the question, and the reply changes that answer only (survey.verification.answering). The
review page lists the plausibility flags of the answers; the official confirms a value with an optional
note, or corrects it on its section (a warning, never a block).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey import database
from survey.auth import public
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Query
from survey.respond import pages
from survey.respond.blueprint import bp
from survey.services import evidence, evidence_query, responses
from survey.verification import answering, plausibility


def _question_or_404(questionnaire, key: str):
    try:
        return questionnaire.question(key)
    except KeyError:
        abort(404)


def _queries(response, question_key: str) -> list[Query]:
    if response is None:
        return []
    return list(db.session.scalars(
        select(Query).where(Query.response_id == response.id, Query.question_key == question_key).order_by(Query.id)))


def _page(question_key: str, *, is_typed: bool = False, errors: list[str] | None = None, status: int = 200):
    """The query page; with *is_typed*, the value and the note as the official typed them (a file attached or
    removed, or a reply refused, must not lose them)."""
    invitation = g.invitation
    questionnaire = responses.questionnaire_of(invitation)
    question = _question_or_404(questionnaire, question_key)
    response = responses.response_for(invitation)
    queries = _queries(response, question_key)
    if not queries:
        return redirect(url_for("respond.welcome"), 303)
    before = answering.submitted_answers(response)
    value, note = before.get(question_key), ""
    if is_typed:
        value = pages.typed_values(questionnaire.section_of(question_key), request.form).get(question_key)
        note = request.form.get("_note", "")[:4000]
    files = evidence_query.by_question(response).get(question_key, []) if question.evidence else []
    return render_template("respond/query.html", invitation=invitation, question=question, queries=queries,
                           current=queries[-1], value=value, note=note, errors=errors or [], lang=current_language(),
                           files=files,
                           answer_lines=pages.answer_lines(question, before.get(question_key), current_language())
                           ), status


@bp.route("/questions/<question_key>", methods=["GET", "POST"])
@public
def query(question_key: str):
    """A question staff queried: the thread, and while the query is open, the question alone to correct."""
    invitation = g.invitation
    questionnaire = responses.questionnaire_of(invitation)
    _question_or_404(questionnaire, question_key)
    queries = _queries(responses.response_for(invitation), question_key)
    if request.method == "GET" or not queries or queries[-1].status != "open":
        return _page(question_key)
    try:
        outcome = answering.reply(invitation, queries[-1], request.form.to_dict(flat=False),
                                  request.form.get("_note", "")[:4000])
    except answering.AlreadyClosed:
        db.session.rollback()
        return redirect(url_for("respond.query", question_key=question_key), 303)
    if outcome.status == "answered":
        db.session.commit()
        flash(_("Gracias. Recibimos su respuesta a la consulta.") if outcome.revision is None else
              _("Gracias. Registramos su corrección como la versión %(revision)s de sus respuestas.",
                revision=outcome.revision), "success")
        return redirect(url_for("respond.query", question_key=question_key), 303)
    db.session.rollback()
    errors = pages.messages(questionnaire, outcome.errors, current_language()).by_key.get(question_key, [])
    if outcome.status == "entangled":
        errors = [_("Este cambio modificaría otras respuestas. Escriba su explicación en la nota y deje el "
                    "valor como estaba, o comuníquese con el equipo que le hizo la consulta.")]
    return _page(question_key, is_typed=True, errors=errors, status=400)


@bp.get("/questions/<question_key>/evidence")
@bp.get("/questions/<question_key>/evidence/<int:file_id>/remove")
@public
def query_evidence_back(question_key: str, file_id: int | None = None):
    """The page shown after attaching or removing stays at the POST's address: a reload without the form,
    or the language switch, comes back to the question."""
    _question_or_404(responses.questionnaire_of(g.invitation), question_key)
    return redirect(url_for("respond.query", question_key=question_key), 303)


@bp.post("/questions/<question_key>/evidence")
@public
def query_evidence_upload(question_key: str):
    """While a query reopens the question, its supporting documents can change too (like the value). The
    page's form comes along, and the page is shown again with what was typed in it."""
    invitation = g.invitation
    _question_or_404(responses.questionnaire_of(invitation), question_key)
    upload = request.files.get("evidence_file")
    if upload is None or not upload.filename:
        flash(_("Elija primero el archivo que desea adjuntar."), "error")
        return _page(question_key, is_typed=True, status=400)
    try:
        item = evidence.attach(invitation, question_key, upload.stream, upload.filename)
    except evidence.EvidenceRefused as refused:
        # An infected file's audit entry stays: it is committed with nothing else.
        db.session.commit() if refused.code == "infected" else db.session.rollback()
        flash(refused.message, "error")
        return _page(question_key, is_typed=True, status=400)
    finally:
        upload.close()
    db.session.commit()
    flash(_("Adjuntamos «%(name)s».", name=item.original_name), "success")
    return _page(question_key, is_typed=True)


@bp.post("/questions/<question_key>/evidence/<int:file_id>/remove")
@public
def query_evidence_remove(question_key: str, file_id: int):
    """Remove a document of the reopened question (its bytes are deleted after the commit); the page is
    shown again with what was typed in it."""
    invitation = g.invitation
    _question_or_404(responses.questionnaire_of(invitation), question_key)
    try:
        item = evidence.remove(invitation, file_id)
    except evidence.EvidenceRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _page(question_key, is_typed=True, status=400)
    db.session.commit()
    evidence.delete_bytes(item)
    flash(_("Quitamos «%(name)s».", name=item.original_name), "success")
    return _page(question_key, is_typed=True)


@bp.post("/plausibility/<question_key>")
@public
def confirm_value(question_key: str):
    """The official confirms a flagged value as it is, with an optional note (shown to staff)."""
    invitation = g.invitation
    questionnaire = responses.questionnaire_of(invitation)
    _question_or_404(questionnaire, question_key)
    # The link's pages begin as SQLite readers; this one writes the note.
    if database.begin_writing():
        db.session.expire_all()  # another request may have saved since the link was read
    response = responses.response_for(invitation)
    value = (response.answers or {}).get(question_key) if response is not None else None
    if isinstance(value, int | float) and not isinstance(value, bool) and responses.can_change(invitation):
        plausibility.confirm(response, question_key, value, request.form.get("note", "")[:2000])
        db.session.commit()
        flash(_("Gracias: dejamos constancia de que el dato es correcto."), "success")
    return redirect(url_for("respond.review", _anchor=f"plausibility-{question_key}"), 303)


@bp.app_template_global()
def plausibility_review(invitation, response, questionnaire) -> list[dict]:
    """For the review page: each flag of the saved answers with its message and the note already given."""
    if response is None:
        return []
    answers = response.answers or {}
    flags = plausibility.flags_for(invitation, response, questionnaire, answers)
    notes = plausibility.notes_of([response.id])
    shown = []
    for flag in flags:
        note = notes.get((response.id, flag.question_key))
        question = questionnaire.question(flag.question_key)
        shown.append({"flag": flag, "question": question, "message": message(flag, question),
                      "note": note if note is not None and note.value == flag.value else None})
    return shown


def message(flag: plausibility.Flag, question) -> str:
    """What the official reads about a flag."""
    value = pages.answer_lines(question, _plain(flag.value), current_language())[0]
    if flag.kind == "change":
        previous = pages.answer_lines(question, _plain(flag.previous), current_language())[0]
        return _("El año pasado su institución informó %(previous)s; ahora informa %(value)s. Por favor, "
                 "confirme o corrija el dato.", previous=previous, value=value)
    return _("El valor %(value)s está fuera del rango habitual de las respuestas de esta ronda (entre %(low)s y "
             "%(high)s). Por favor, confirme o corrija el dato.", value=value,
             low=pages.answer_lines(question, _plain(flag.low), current_language())[0],
             high=pages.answer_lines(question, _plain(flag.high), current_language())[0])


def _plain(number: float | None):
    return int(number) if number is not None and float(number).is_integer() else number
