"""Answering through a personal link: welcome, one page per section, review, submit, confirmation.

Plain forms with post/redirect/get, so everything works without JavaScript; respond.js adds
autosave while typing and a local copy of unsaved answers. Every page move saves the page.
Declining and forwarding live in handoff_views, the gate every page passes in blueprint.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf

import questionnaires
from survey import jobs
from survey.auth import public
from survey.extensions import db
from survey.i18n import current_language
from survey.respond import (
    evidence_views,  # noqa: F401 - registers the evidence upload and removal on bp
    handoff_views,  # noqa: F401 - registers the decline and forward pages on bp
    links,
    nonces,
    pages,
    query_views,  # noqa: F401 - registers the query and plausibility pages on bp
    shared,
)
from survey.respond.blueprint import bp, state_gate
from survey.respond.forms import DeclineForm, ForwardForm
from survey.services import responses, shared_responses, submissions

__all__ = ["bp"]


def _questionnaire() -> questionnaires.Questionnaire:
    return responses.questionnaire_of(g.invitation)


def _answers() -> dict:
    response = responses.response_for(g.invitation)
    return dict(response.answers or {}) if response is not None else {}


def _section_or_404(questionnaire, key: str):
    try:
        return questionnaire.section(key)
    except KeyError:
        abort(404)


def _render_section(questionnaire, section, values, errors=(), *, notice=None, status=200, conflicts=()):
    lang = current_language()
    answers = _answers()
    keys = [item.key for item in questionnaire.sections]
    index = keys.index(section.key)
    response = responses.response_for(g.invitation)
    return render_template(
        "respond/section.html",
        invitation=g.invitation,
        questionnaire=questionnaire,
        section=section,
        axis=questionnaire.framework.axis(section.axis).name.get(lang) if section.axis else None,
        questions=pages.page_questions(questionnaire, section, answers, lang),
        context=pages.showif_context(questionnaire, section, answers),
        values=values,
        messages=pages.messages(questionnaire, list(errors), lang, pages.question_numbers(questionnaire, answers)),
        position=index + 1,
        total=len(keys),
        is_last=index == len(keys) - 1,
        has_previous=index > 0,
        saved_at=response.updated_at.isoformat() if response is not None else "",
        notice=notice,
        shared=shared.section_page(g.invitation, response, section),
        conflicts=conflicts,
        previous_key=keys[index - 1] if index > 0 else None,
        next_key=keys[index + 1] if index + 1 < len(keys) else None,
        lang=lang,
    ), status


@bp.get("/")
@public
def welcome():
    """The round's purpose, the institution, the deadline, the time it takes; start or resume."""
    invitation = g.invitation
    responses.open(invitation)
    db.session.commit()
    questionnaire = _questionnaire()
    response = responses.response_for(invitation)
    keys = [section.key for section in questionnaire.sections]
    resume = response.current_section if response is not None and response.current_section in keys else None
    return render_template(
        "respond/welcome.html",
        invitation=invitation,
        round=invitation.round,
        questionnaire=questionnaire,
        response=response,
        first_section=keys[0],
        resume=questionnaire.section(resume) if resume else None,
        can_change=responses.can_change(invitation),
        lang=current_language(),
    )


def _destination(questionnaire, section, nav: str) -> tuple[str, str]:
    """(section to resume at, URL to go to) for the button pressed."""
    keys = [item.key for item in questionnaire.sections]
    index = keys.index(section.key)
    if nav == "prev":
        if index == 0:
            return section.key, url_for("respond.welcome")
        return keys[index - 1], url_for("respond.section", key=keys[index - 1])
    if nav == "save":
        return section.key, url_for("respond.welcome", saved=1)
    if index + 1 < len(keys):
        return keys[index + 1], url_for("respond.section", key=keys[index + 1])
    return section.key, url_for("respond.review")


@bp.route("/s/<key>", methods=["GET", "POST"])
@public
def section(key: str):
    """One section per page; every button saves the page, "next" also requires its answers."""
    invitation = g.invitation
    questionnaire = _questionnaire()
    current = _section_or_404(questionnaire, key)
    if request.method == "GET":
        if invitation.opened_at is None:
            responses.open(invitation)
            db.session.commit()
        answers = _answers()
        errors = []
        if request.args.get("check"):
            keys = [question.key for question in current.questions]
            errors = questionnaires.check_answers(questionnaire, answers, keys=keys).errors
        return _render_section(questionnaire, current, answers, errors)
    nav = request.form.get("nav", "next")
    go_to, target = _destination(questionnaire, current, nav)
    # With JavaScript the conditional questions open in place as the official answers; without it,
    # a question opened by this page's answers is asked next, on this page (see save_page).
    follow_up = request.form.get("_follow_up", "").split() if nav == "next" and not request.form.get("_js") else ()
    try:
        result = responses.save_page(invitation, key, request.form.to_dict(flat=False), go_to=go_to,
                                     require_complete=nav == "next", follow_up=follow_up,
                                     seen=shared_responses.read_fingerprints(request.form.get("_seen")))
    except shared_responses.SectionAssigned as refused:
        db.session.rollback()
        return _render_section(questionnaire, current, _answers(), status=403, notice=_(
            "Esta sección está asignada a %(name)s: usted puede verla, pero no cambiarla.", name=refused.holder.name))
    db.session.commit()
    pages.remember_dropped(invitation.id, questionnaire, result.dropped, lang=current_language())
    typed = pages.typed_values(current, request.form)
    if result.conflicts:
        # Nothing of the colleague's is lost, nor what this official typed: both are shown, the field keeps theirs.
        notices = shared.conflict_notices(questionnaire, result, typed, responses.response_for(invitation),
                                          current_language())
        return _render_section(questionnaire, current, typed, result.errors, status=409,
                               conflicts=notices)
    if not result.ok:
        return _render_section(questionnaire, current, typed, result.errors)
    if result.opened:
        flash(pages.opened_notice(questionnaire, result.opened, _answers()), "info")
        return redirect(url_for("respond.section", key=key, _anchor=f"q-{result.opened[0]}-block"), 303)
    if nav == "save":
        flash(_("Sus respuestas están guardadas. Puede seguir más tarde con el mismo enlace, desde cualquier "
                "dispositivo."), "success")
    return redirect(target, 303)


@bp.post("/autosave")
@public
def autosave():
    """Save the page being typed (JSON for respond.js); the same checks as a page move."""
    invitation = g.invitation
    questionnaire = _questionnaire()
    key = request.form.get("_section", "")
    if key not in {item.key for item in questionnaire.sections}:
        return jsonify(ok=False, error="section"), 400
    try:
        result = responses.save_page(invitation, key, request.form.to_dict(flat=False),
                                     seen=shared_responses.read_fingerprints(request.form.get("_seen")))
    except shared_responses.SectionAssigned:
        db.session.rollback()
        return jsonify(ok=False, error="assigned"), 403
    db.session.commit()
    lang = current_language()
    shown = pages.messages(questionnaire, result.errors, lang)
    response = responses.response_for(invitation)
    current = questionnaire.section(key)
    page = shared.section_page(invitation, response, current)
    notices = shared.conflict_notices(questionnaire, result, pages.typed_values(current, request.form), response,
                                      lang)
    return jsonify(ok=True, saved_at=response.updated_at.isoformat(), errors=shown.by_key, seen=page.seen,
                   conflicts=notices, last_change=page.last_change)


def _render_review(*, notice=None, status=200):
    invitation = g.invitation
    response = responses.response_for(invitation)
    questionnaire = _questionnaire()
    answers = _answers()
    lang = current_language()
    sections, error_count = pages.review(questionnaire, answers, lang)
    revision = response.revision if response is not None else 0
    has_unsent = bool(response is not None and response.revisions and response.revisions[-1].answers != answers)
    return render_template(
        "respond/review.html",
        invitation=invitation,
        questionnaire=questionnaire,
        response=response,
        sections=sections,
        error_count=error_count,
        nonce=nonces.mint(invitation.id, revision),
        can_change=responses.can_change(invitation),
        has_unsent=has_unsent,
        notice=notice,
        dropped=pages.dropped_notices(invitation.id, questionnaire, answers, lang),
        last_changes=shared.review_lines(invitation, response, questionnaire),
        focal_point=shared.focal_point_of(invitation),
        lang=lang,
    ), status


@bp.get("/review")
@public
def review():
    """Every visible question with its answer, then the button that submits."""
    return _render_review()


@bp.post("/submit")
@public
def submit():
    """Submit once: replays and parallel duplicates land on the "already received" confirmation."""
    invitation = g.invitation
    expected = nonces.read(invitation.id, request.form.get("nonce", ""))
    if expected is None:
        return _render_review(notice=_("No pudimos confirmar el envío. Revise sus respuestas y pulse "
                                       "«Enviar respuestas» de nuevo."), status=400)
    # Read before the commit: after it the invitation is expired, and reading it again costs a query.
    round_id, invitation_id = invitation.round_id, invitation.id
    outcome = submissions.submit(invitation, expected)
    if outcome.status == "incomplete":
        first = _questionnaire().section_of(outcome.errors[0].key)
    db.session.commit()
    if outcome.status == "incomplete":
        flash(_("Antes de enviar, complete o corrija las respuestas marcadas."), "error")
        return redirect(url_for("respond.section", key=first.key, check=1), 303)
    if outcome.status == "not_focal":
        return _render_review(notice=_("Solo el punto focal de su organización envía las respuestas."), status=403)
    if outcome.status == "submitted":
        pages.forget_dropped(invitation_id)
        # Per process, one receipt run and one recomputation per round per window (each runs after
        # its window, so it covers every submission made in it): a burst of submissions is not a
        # burst of tasks.
        config = current_app.config
        jobs.enqueue_debounced(jobs.SEND_RECEIPTS, seconds=float(config["SURVEY_RECEIPT_DEBOUNCE_SECONDS"]))
        jobs.enqueue_debounced(jobs.AGGREGATE_ROUND, round_id, seconds=float(config["SURVEY_RESULTS_DEBOUNCE_SECONDS"]))
        return redirect(url_for("respond.done"), 303)
    return redirect(url_for("respond.done", already=1), 303)


@bp.get("/done")
@public
def done():
    """The confirmation: received, when, and whether answers may still be changed."""
    invitation = g.invitation
    response = responses.response_for(invitation)
    if response is None or not response.is_submitted:
        return redirect(url_for("respond.welcome"))
    return render_template(
        "respond/done.html",
        invitation=invitation,
        response=response,
        already=bool(request.args.get("already")),
        can_change=responses.can_change(invitation),
        first_section=_questionnaire().sections[0].key,
        focal_point=shared.focal_point_of(invitation),
        lang=current_language(),
    )


@bp.errorhandler(CSRFError)
def _csrf_failed(_error):
    """An expired or missing CSRF token never throws answers away: the page comes back with them."""
    refused = links.resolve() or state_gate()
    if refused is not None:
        return refused
    notice = _("Por seguridad, no pudimos guardar este envío (la sesión caducó). Sus respuestas siguen "
               "en la página: pulse de nuevo el botón para guardarlas.")
    endpoint = request.endpoint
    if endpoint == "respond.autosave":
        return jsonify(ok=False, error="csrf", csrf_token=generate_csrf()), 400
    if endpoint == "respond.section":
        questionnaire = _questionnaire()
        key = (request.view_args or {}).get("key", "")
        if key not in {item.key for item in questionnaire.sections}:
            return render_template("respond/invalid.html", too_many=False), 404
        current = questionnaire.section(key)
        return _render_section(questionnaire, current, pages.typed_values(current, request.form), notice=notice,
                               status=400)
    if endpoint == "respond.submit":
        return _render_review(notice=notice, status=400)
    if endpoint == "respond.decline":
        return render_template("respond/decline.html", form=DeclineForm(), invitation=g.invitation,
                               notice=notice), 400
    if endpoint == "respond.forward":
        return render_template("respond/forward.html", form=ForwardForm(), invitation=g.invitation,
                               notice=notice), 400
    return render_template("respond/invalid.html", too_many=False), 400
