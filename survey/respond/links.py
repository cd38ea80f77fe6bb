"""Personal links: find the invitation of a token, refuse bad links, slow down guessing.

A wrong token and a revoked one get the same page and status (404), so a probe learns nothing.
Only failures count toward the per-address limit, and only failures are limited: a valid link
always opens, even from an address over the limit. A 256-bit token is never a guess, and an
address is often shared (a ministry's NAT): refusing valid links there would let one guesser
lock out every official behind it. Once over the limit, unknown tokens get 429.
The token itself is never logged: log lines name the invitation id.
"""
from __future__ import annotations

import logging
import re

from flask import current_app, g, render_template, request, session
from flask_babel import refresh
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, contains_eager

from survey import database, tokens
from survey.extensions import db
from survey.models import Invitation, QuestionnaireVersion, Response, Round
from survey.models._types import utcnow
from survey.ratelimit import FailureLimit
from survey.services import responses

log = logging.getLogger(__name__)

#: failed token lookups allowed per address; more unknown tokens are answered 429 (valid ones never)
DEFAULT_FAILURE_LIMIT = "20/minute"


#: a personal link's path in any log line: /r/<token>
_LINK_PATH = re.compile(r"/r/[A-Za-z0-9_-]{8,}")
#: loggers that print request paths: Flask's errors, the development server, gunicorn's access log
_PATH_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactLinks(logging.Filter):
    """Replace personal-link tokens in log records by ``<token>``.

    Flask logs the path of a request that failed, and web servers log every request line:
    without this, anyone reading the logs could answer as the official.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/r/" in message:
            record.msg, record.args = _LINK_PATH.sub("/r/<token>", message), ()
        return True


def install_log_redaction(app) -> None:
    """Attach :class:`RedactLinks` to the app's logger and to the servers' request loggers."""
    redact = RedactLinks()
    for logger in (app.logger, *(logging.getLogger(name) for name in _PATH_LOGGERS)):
        if not any(isinstance(existing, RedactLinks) for existing in logger.filters):
            logger.addFilter(redact)


def _failures() -> FailureLimit:
    return FailureLimit("respond-token-failures",
                        current_app.config.get("SURVEY_TOKEN_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT))


def _use_invitation_language(invitation: Invitation) -> None:
    """The invitation's language is the default; a choice made with the language switch wins."""
    if "lang" not in session and request.args.get("lang") not in current_app.config["SURVEY_LANGUAGES"]:
        g.survey_locale = invitation.language
    else:
        g.pop("survey_locale", None)
    refresh()  # forget a language worked out before the invitation was known


_SHARED = aliased(Response)
#: Built once: the statement and its cache key are reused by every request (only the hash varies).
#: The round, the response (the invitation's own, or in a per-organisation round its organisation's)
#: and the fingerprint of the version answered (the response's once started, else the round's) come
#: in the same query.
_BY_TOKEN_HASH = (
    select(Invitation, QuestionnaireVersion.fingerprint)
    .join(Invitation.round)
    .outerjoin(Invitation.response)
    .outerjoin(Invitation.shared_response.of_type(_SHARED))
    .join(QuestionnaireVersion, QuestionnaireVersion.id == func.coalesce(
        Response.version_id, _SHARED.version_id, Round.version_id))
    .options(contains_eager(Invitation.round), contains_eager(Invitation.response),
             contains_eager(Invitation.shared_response.of_type(_SHARED)))
    .where(Invitation.token_hash == bindparam("token_hash"))
)


def _find(token: str) -> Invitation | None:
    """tokens.find, loading the round, the response and the version's fingerprint at once."""
    if not token or len(token) > 100:
        return None
    found = db.session.execute(_BY_TOKEN_HASH, {"token_hash": tokens.token_hash(token)}).first()
    if found is None:
        return None
    invitation, fingerprint = found
    responses.remember_fingerprint(responses.version_id_of(invitation), fingerprint)
    return invitation


def resolve():
    """Find the invitation of the request's token into ``g.invitation``.

    Returns None when the link works, else the error response to send (404 unknown or revoked,
    429 unknown or revoked once this address has had too many failures). Called once per request
    (and again by the CSRF error handler, which runs instead of the blueprint's before_request).
    """
    database.begin_reading()
    invitation = _find(g.get("respond_token") or "")
    if invitation is None or invitation.status == "revoked":
        # The failure is counted in storage of its own (never this request's transaction).
        if not _failures().count(request.remote_addr or "unknown"):
            return render_template("respond/invalid.html", too_many=True), 429
        log.info("personal link refused: %s", "revoked" if invitation is not None else "unknown")
        return render_template("respond/invalid.html", too_many=False), 404
    g.invitation = invitation
    _use_invitation_language(invitation)
    return None


def closed_page():
    """The page for a link whose round does not accept answers now (not yet open, or closed)."""
    round_ = g.invitation.round
    if round_.status == "draft" or (round_.status == "open" and utcnow() < round_.opens_at):
        return render_template("respond/closed.html", round=round_, not_yet=True), 403
    return render_template("respond/closed.html", round=round_, not_yet=False), 410
