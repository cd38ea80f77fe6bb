"""The personal-link blueprint (``/r/<token>``): the token taken from every URL, and the gate
that every page passes (a working link, and a state of the invitation that allows the page)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, request, url_for

from survey.respond import links
from survey.services import responses

bp = Blueprint("respond", __name__, url_prefix="/r/<token>")
bp.record_once(lambda state: links.install_log_redaction(state.app))

#: pages still shown once the answers are final
_AFTER_SUBMIT = ("respond.done", "respond.review")
#: pages that decide for themselves what the state allows: a question staff queried reopens it alone,
#: even after submission or once the round closed (survey.respond.query_views)
_OWN_STATE = ("respond.query", "respond.query_evidence_upload", "respond.query_evidence_remove",
              "respond.query_evidence_back")


@bp.url_value_preprocessor
def _take_token(_endpoint, values):
    g.respond_token = (values or {}).pop("token", None)


@bp.url_defaults
def _add_token(_endpoint, values):
    if "token" not in values and g.get("respond_token"):
        values["token"] = g.respond_token


def state_gate():
    """Send the official where the invitation's state allows: closed page, or the confirmation."""
    if request.endpoint in _OWN_STATE:
        return None
    invitation = g.invitation
    response = responses.response_for(invitation)
    is_submitted = response is not None and response.is_submitted
    is_accepting = invitation.round.is_accepting()
    is_locked = is_submitted and (not invitation.round.allow_edit_after_submit or not is_accepting)
    if (is_accepting or is_submitted) and not is_locked:
        return None
    if request.endpoint == "respond.autosave":
        return jsonify(ok=False, error="closed"), 409
    if not is_submitted:
        return links.closed_page()
    if request.endpoint in _AFTER_SUBMIT and request.method == "GET":
        return None
    return redirect(url_for("respond.done", already=1 if request.method == "POST" else None), 303)


@bp.before_request
def _gate():
    return links.resolve() or state_gate()
