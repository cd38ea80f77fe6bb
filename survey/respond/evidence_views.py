"""Supporting documents on the answering page: attach a file to a question, remove one.

The "Adjuntar" and "Quitar" buttons sit inside the page's form and post it here (``formaction``), so
the answers typed on the page are saved first, as by "Guardar y seguir más tarde", and nothing typed is
lost without JavaScript. The upload's size limit is set before anything reads the body (see
``_upload_limit``): a 200 MB attempt is refused from its Content-Length, and a chunked one once the
limit is passed, while werkzeug spools the file part to a temporary file, never to memory.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from survey.auth import public
from survey.extensions import db
from survey.respond import links
from survey.respond.blueprint import bp
from survey.services import evidence, evidence_query, responses, shared_responses

#: room for the page's answers and the multipart framing besides the file itself
_FORM_ALLOWANCE = 1024 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint, _values):
    # URL value preprocessors run before every before_request hook, CSRF's included, which reads the body.
    if endpoint in ("respond.evidence_upload", "respond.query_evidence_upload"):
        request.max_content_length = evidence.limits().per_file + _FORM_ALLOWANCE


@bp.app_context_processor
def _evidence_helpers():
    return {"evidence_for": _evidence_for}


def _evidence_for(question_key: str) -> list:
    """The files attached to *question_key* in the official's response (read once per page)."""
    # Keyed by the request: g outlives requests while an app context stays pushed (tests, CLI).
    cached = g.get("respond_evidence")
    if cached is None or cached[0] is not request._get_current_object():
        invitation = g.get("invitation")
        files = evidence_query.by_question(responses.response_for(invitation)) if invitation else {}
        cached = g.respond_evidence = (request._get_current_object(), files)
    return cached[1].get(question_key, [])


def _save_page(section_key: str) -> None:
    """Save the answers posted with the button, as "save and continue later" does (no completeness check)."""
    questionnaire = responses.questionnaire_of(g.invitation)
    if section_key not in {item.key for item in questionnaire.sections}:
        abort(404)
    if "_follow_up" not in request.form:
        return  # not the page's form (a client posting the file alone): no answers to save
    try:
        responses.save_page(g.invitation, section_key, request.form.to_dict(flat=False),
                            seen=shared_responses.read_fingerprints(request.form.get("_seen")))
    except shared_responses.SectionAssigned:
        db.session.rollback()
        abort(403)
    db.session.commit()


def _back(section_key: str, question_key: str):
    return redirect(url_for("respond.section", key=section_key, _anchor=f"q-{question_key}-block"), 303)


@bp.post("/s/<key>/evidence")
@public
def evidence_upload(key: str):
    """Attach the chosen file to the question named by the pressed button; back to the section."""
    question_key = request.form.get("evidence_for", "")
    _save_page(key)
    upload = request.files.get(f"evidence_file__{question_key}")
    if upload is None or not upload.filename:
        flash(_("Elija primero el archivo que desea adjuntar."), "error")
        return _back(key, question_key)
    try:
        item = evidence.attach(g.invitation, question_key, upload.stream, upload.filename)
    except evidence.EvidenceRefused as refused:
        upload.close()
        # An infected file's audit entry stays: it is committed with nothing else.
        db.session.commit() if refused.code == "infected" else db.session.rollback()
        flash(refused.message, "error")
        return _back(key, question_key)
    upload.close()
    db.session.commit()
    flash(_("Adjuntamos «%(name)s».", name=item.original_name), "success")
    return _back(key, question_key)


@bp.post("/s/<key>/evidence/<int:file_id>/remove")
@public
def evidence_remove(key: str, file_id: int):
    """Remove one attached file (its bytes are deleted); back to the section."""
    _save_page(key)
    try:
        item = evidence.remove(g.invitation, file_id)
    except evidence.EvidenceRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("respond.section", key=key), 303)
    db.session.commit()
    evidence.delete_bytes(item)
    flash(_("Quitamos «%(name)s».", name=item.original_name), "success")
    return _back(key, item.question_key)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A file over the limit: back to the page with the reason (the body was never read into memory)."""
    if request.endpoint not in ("respond.evidence_upload", "respond.query_evidence_upload"):
        return error
    refused = links.resolve()
    if refused is not None:
        return refused
    flash(evidence.too_large_message(), "error")
    arguments = request.view_args or {}
    if request.endpoint == "respond.query_evidence_upload":
        return redirect(url_for("respond.query", question_key=arguments.get("question_key", "")), 303)
    return redirect(url_for("respond.section", key=arguments.get("key", "")), 303)
