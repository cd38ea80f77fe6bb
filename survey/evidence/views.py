"""Staff download supporting documents: only within their scope, always as an attachment."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from survey import scopes
from survey.auth import roles_required
from survey.evidence.storage import storage
from survey.extensions import db
from survey.models import Evidence

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

#: who may read what officials sent (national staff, and coordinators within their regions)
DOWNLOADERS = ("editor", "analyst", "coordinator")
#: nothing in a downloaded file may run in the app's origin, even if a browser were to render it
_SANDBOX = "default-src 'none'; sandbox"


@bp.get("/<int:evidence_id>")
@roles_required(*DOWNLOADERS)
def download(evidence_id: int):
    """The file, as an attachment under its sanitised original name; 404 outside the user's regions."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.removed_at is not None:
        abort(404)
    invitation = item.response.invitation
    scopes.check_invitation(invitation)
    scopes.check_round(invitation.round)
    response = send_file(storage().open(item.stored_key), mimetype=item.content_type, as_attachment=True,
                         download_name=item.original_name, max_age=0, etag=False, conditional=False)
    response.content_length = item.size_bytes
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = _SANDBOX
    response.headers["Cache-Control"] = "private, no-store"
    return response
