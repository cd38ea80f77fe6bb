"""The outbox for editors: messages per round with state, attempts and last error.

In the embedded run (no SMTP server) this is where staff read the messages.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey import scopes
from survey.auth import roles_required
from survey.extensions import db
from survey.models import Invitation, OutboxMessage, Round
from survey.models.outbox import MESSAGE_STATES
from survey.services import mailer, outbox_staff

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

PAGE_SIZE = 100
#: editors see every message; a coordinator those of invitations in their regions (survey.scopes)
READERS = ("editor", "coordinator")


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.invitation is None:
        abort(404)
    scopes.check_invitation(message.invitation)
    return message


@bp.get("/")
@roles_required(*READERS)
def index():
    """Rounds with their message counts per state; with ?round=, that round's messages."""
    rounds = list(db.session.scalars(select(Round).order_by(Round.opens_at.desc(), Round.id.desc())))
    in_scope = None if scopes.current_scope().is_national else scopes.invitations_in_scope()
    counts = outbox_staff.counts_by_round([r.id for r in rounds], where=in_scope)
    selected = request.args.get("round", type=int)
    status = request.args.get("status") if request.args.get("status") in MESSAGE_STATES else None
    page = max(request.args.get("page", 1, type=int), 1)
    messages, total = [], 0
    round_ = db.session.get(Round, selected) if selected else None
    if selected and round_ is None:
        abort(404)
    if round_ is not None:
        query = select(OutboxMessage).where(OutboxMessage.round_id == round_.id)
        if in_scope is not None:
            query = query.join(Invitation, Invitation.id == OutboxMessage.invitation_id).where(in_scope)
        if status:
            query = query.where(OutboxMessage.status == status)
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        messages = db.session.scalars(
            query.order_by(OutboxMessage.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
    return render_template(
        "outbox/index.html", rounds=rounds, counts=counts, round=round_, status=status, states=MESSAGE_STATES,
        messages=messages, page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), total=total,
        is_embedded=not current_app.config.get("SURVEY_SMTP_HOST"),
    )


@bp.get("/<int:message_id>")
@roles_required(*READERS)
def message(message_id: int):
    """One message: its state and history, and its text as the recipient gets it.

    The personal link shows only in the embedded run, where staff deliver the
    messages themselves; otherwise it is masked like in the stored copy.
    """
    item = _message(message_id)
    is_embedded = not current_app.config.get("SURVEY_SMTP_HOST")
    draft = mailer.draft(item)
    rendered = mailer.render(draft)
    text = rendered.text if is_embedded else mailer.redact(draft, rendered.text)
    return render_template(
        "outbox/message.html", message=item, subject=rendered.subject, text=text, is_embedded=is_embedded,
        can_retry=outbox_staff.can_retry_by_hand(item), was_retried=outbox_staff.has_been_retried(item),
    )


@bp.post("/<int:message_id>/retry")
@roles_required(*READERS)
def retry(message_id: int):
    """Send a failed message again, once."""
    item = _message(message_id)
    if outbox_staff.retry_by_hand(item):
        db.session.commit()
        flash(_("El correo volvió a la cola y se enviará en unos momentos."), "success")
    else:
        flash(_("Este correo no se puede reintentar: solo un correo fallido, y una sola vez."), "error")
    return redirect(url_for("outbox.message", message_id=message_id))
