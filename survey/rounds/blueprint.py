"""The ``rounds`` blueprint and the helpers its view modules share."""
from __future__ import annotations

from flask import Blueprint, abort

from survey import scopes
from survey.models import Invitation, Round
from survey.services import invitations as invitation_service
from survey.services import rounds as round_service

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

#: roles that may read rounds; managing them takes "editor" (admins always pass); a coordinator reads
#: them and manages the invitations of their regions (survey.scopes)
READERS = ("editor", "analyst", "coordinator")
#: roles that add, revoke and reissue invitations (within their scope)
INVITERS = ("editor", "coordinator")


def get_round(round_id: int) -> Round:
    """The round *round_id*, or a 404."""
    round_ = round_service.get(round_id)
    if round_ is None:
        abort(404)
    return scopes.check_round(round_)


def get_invitation(round_: Round, invitation_id: int) -> Invitation:
    """The invitation *invitation_id* of *round_*, or a 404 (also for another round's)."""
    invitation = invitation_service.get(round_, invitation_id)
    if invitation is None:
        abort(404)
    return scopes.check_invitation(invitation)


def show_error(form, exc) -> None:
    """Put a service error next to its form field, or at the top of the form."""
    field = getattr(form, exc.field, None) if getattr(exc, "field", None) else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
