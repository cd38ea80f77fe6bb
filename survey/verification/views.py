"""Staff pages of verification: a round's progress and flagged answers, and one response's answers with their
states, plausibility flags, the respondent's notes and the queries' threads."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey import scopes
from survey.auth import roles_required
from survey.evidence.listing import human_size
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Invitation, Response
from survey.respond import pages
from survey.rounds.blueprint import get_invitation, get_round
from survey.services import audit, evidence_query, responses
from survey.verification import counts, decisions, plausibility

bp = Blueprint("verification", __name__, url_prefix="/verification")

#: who reads verification; who records decisions and queries (a coordinator: within their regions)
READERS = ("editor", "analyst", "coordinator")
DECIDERS = ("editor", "coordinator")


@bp.get("/rounds/<int:round_id>")
@roles_required(*READERS)
def round_page(round_id: int):
    """Per question and per organisation: verified, contested, queried, open; then the flagged answers."""
    round_ = get_round(round_id)
    questionnaire = round_.version.load()
    by_question, by_organisation = counts.tallies(round_.id, scopes.invitations_in_scope())
    flags = plausibility.round_flags(round_, plausibility.numeric_keys(questionnaire), scopes.invitations_in_scope())
    response_ids = {flag.response_id for flag in flags}
    invitations = dict(db.session.execute(
        select(Response.id, Invitation).join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.id.in_(sorted(response_ids)))).all()) if response_ids else {}
    order = {question.key: number for number, question in enumerate(questionnaire.questions)}
    return render_template("verification/round.html", round=round_, questionnaire=questionnaire,
                           by_question=sorted(by_question.values(), key=lambda tally: order.get(tally.label, 10**6)),
                           known_keys=set(order), by_organisation=by_organisation, flags=flags,
                           invitations=invitations, notes=plausibility.notes_of(response_ids),
                           rule=plausibility.rule_for(round_.id), lang=current_language())


def _number(name: str, default: float) -> float:
    try:
        return float(request.form.get(name, default))
    except ValueError:
        return float("nan")


@bp.post("/rounds/<int:round_id>/rule")
@roles_required("editor")
def rule(round_id: int):
    """Change the round's plausibility rule."""
    round_ = get_round(round_id)
    defaults = plausibility.Rule()
    wanted = plausibility.Rule(_number("change_percent", defaults.change_ratio * 100) / 100,
                               _number("change_absolute", defaults.change_absolute),
                               _number("percentile_low", defaults.percentile_low),
                               _number("percentile_high", defaults.percentile_high),
                               int(_number("percentile_min_count", defaults.percentile_min_count) or 0))
    if not (wanted.change_ratio > 0 and wanted.change_absolute >= 0 and 0 <= wanted.percentile_low
            < wanted.percentile_high <= 100 and wanted.percentile_min_count >= 2):
        flash(_("Revise la regla: el cambio relativo debe ser mayor que cero y los percentiles deben ir de 0 a 100, "
                "el menor antes que el mayor."), "error")
        return redirect(url_for("verification.round_page", round_id=round_.id), 303)
    plausibility.set_rule(round_.id, wanted)
    audit.record("plausibility.rule", round_, **vars(wanted))
    db.session.commit()
    flash(_("Guardamos la regla de plausibilidad de la ronda."), "success")
    return redirect(url_for("verification.round_page", round_id=round_.id), 303)


def _answer_rows(invitation: Invitation, response: Response | None):
    questionnaire = responses.load_version(response.version_id if response else invitation.round.version_id,
                                           invitation.sector)
    if response is None or not response.is_submitted:
        return questionnaire, []
    lang = current_language()
    answers = response.revisions[-1].answers if response.revisions else response.answers or {}
    states = decisions.states_of([response.id])
    flags: dict[str, list] = {}
    for flag in plausibility.flags_for(invitation, response, questionnaire, answers):
        flags.setdefault(flag.question_key, []).append(flag)
    notes = plausibility.notes_of([response.id])
    queries: dict[str, list] = {}
    for query in decisions.queries_of(response.id):
        queries.setdefault(query.question_key, []).append(query)
    files = evidence_query.by_question(response)
    rows = []
    for question in questionnaire.questions:
        if question.key not in answers and question.key not in queries and question.key not in files:
            continue
        rows.append({"question": question, "lines": pages.answer_lines(question, answers.get(question.key), lang),
                     "verification": states.get((response.id, question.key)), "flags": flags.get(question.key, []),
                     "note": notes.get((response.id, question.key)), "queries": queries.get(question.key, []),
                     "files": [(item, human_size(item.size_bytes)) for item in files.get(question.key, [])]})
    return questionnaire, rows


@bp.get("/rounds/<int:round_id>/invitations/<int:invitation_id>")
@roles_required(*READERS)
def response_page(round_id: int, invitation_id: int):
    """One response: each submitted answer with its state, flags, the respondent's note and its queries."""
    round_ = get_round(round_id)
    invitation = get_invitation(round_, invitation_id)
    response = responses.response_for(invitation)
    _questionnaire, rows = _answer_rows(invitation, response)
    return render_template("verification/response.html", round=round_, invitation=invitation, response=response,
                           rows=rows, lang=current_language(),
                           can_decide=current_user.role in (*DECIDERS, "admin"))


@bp.post("/rounds/<int:round_id>/invitations/<int:invitation_id>/<question_key>")
@roles_required(*DECIDERS)
def decide(round_id: int, invitation_id: int, question_key: str):
    """Verify (with the source), contest (with a note) or query the respondent about one answer."""
    round_ = get_round(round_id)
    invitation = get_invitation(round_, invitation_id)
    response = responses.response_for(invitation)
    questionnaire = responses.load_version(response.version_id if response else round_.version_id, invitation.sector)
    try:
        questionnaire.question(question_key)
    except KeyError:
        abort(404)
    back = redirect(url_for("verification.response_page", round_id=round_.id, invitation_id=invitation.id,
                            _anchor=f"answer-{question_key}"), 303)
    if response is None:
        flash(_("Solo se verifican respuestas enviadas."), "error")
        return back
    action, text = request.form.get("action", ""), request.form.get("text", "")[:4000]
    try:
        if action == "query":
            query = decisions.ask(response, question_key, text, user=current_user)
            audit.record("query.ask", query_id=query.id, response_id=response.id, question_key=question_key)
        else:
            row = decisions.decide(response, question_key, action, user=current_user, text=text)
            audit.record("verification.decide", response_id=response.id, question_key=question_key, state=row.state)
    except decisions.DecisionError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    db.session.commit()
    flash(_("Enviamos la consulta a la institución.") if action == "query" else _("Guardamos la verificación."),
          "success")
    return back
