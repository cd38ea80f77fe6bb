"""Personal data of the people invited (Ley 29733): everything held about one of them, and erasure.

A person is an invitation; the same person in other rounds is found by the e-mail address. The
audit log never holds an official's name, e-mail or text, only ids (``official:<id>`` as actor,
the invitation or message as object), so erasing a person needs no change to the append-only
log: afterwards it still says what happened to invitation 12, and nothing says who that was.
Functions add and flush; the view or command commits.
"""
from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update

from survey.extensions import db
from survey.filters import lima_date
from survey.models import (
    Answer,
    AuditEvent,
    Export,
    Invitation,
    OutboxMessage,
    QuestionnaireVersion,
    Response,
    Round,
)
from survey.models._types import utcnow
from survey.services import audit, verification_data

#: what an erased invitation holds instead of the person (``.invalid`` never resolves, RFC 2606)
ERASED_NAME = "Persona eliminada #{id}"
ERASED_EMAIL = "erased-{id}@invalid"
#: question types whose answers are text the person wrote
FREE_TEXT_TYPES = ("text", "long_text")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: columns never handed out: the link's secret material, the audit chain's bookkeeping
_HIDDEN = {"token_nonce", "token_hash"}


class PersonalDataError(ValueError):
    """An export or erasure refused, with a message for staff."""


def erasable_from(round_: Round) -> datetime | None:
    """When the people of *round_* may be erased: its closing plus its retention; None while not closed."""
    if round_.status != "closed" or round_.closed_at is None:
        return None
    return round_.closed_at + timedelta(days=round_.retention_days)


def same_person(invitation: Invitation) -> list[Invitation]:
    """*invitation* and every other invitation to the same e-mail address, in any round."""
    if invitation.erased_at is not None:
        return [invitation]
    return list(db.session.scalars(
        select(Invitation).where(func.lower(Invitation.email) == invitation.email.lower()).order_by(Invitation.id)
    ))


def invitations_of(email: str) -> list[Invitation]:
    """Every invitation to *email* (case does not matter), oldest first."""
    return list(db.session.scalars(
        select(Invitation).where(func.lower(Invitation.email) == (email or "").strip().lower())
        .order_by(Invitation.id)
    ))


# --- everything held about a person ---------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in _HIDDEN}


def _audit_entries(invitations: list[Invitation], message_ids: list[int], response_ids: list[int]) -> list[dict]:
    ids = {str(inv.id) for inv in invitations}
    about = [
        (AuditEvent.object_type == "invitation") & AuditEvent.object_id.in_(
            ids | {str(inv.forwarded_from_id) for inv in invitations if inv.forwarded_from_id}),
        AuditEvent.actor.in_([f"official:{i}" for i in ids]),
        (AuditEvent.object_type == "outboxmessage") & AuditEvent.object_id.in_([str(i) for i in message_ids]),
        (AuditEvent.object_type == "response") & AuditEvent.object_id.in_([str(i) for i in response_ids]),
    ]
    events = db.session.scalars(select(AuditEvent).where(or_(*about)).order_by(AuditEvent.id))
    # The forwarder's entry is about the colleague only through details.to_invitation.
    return [_row(e) for e in events
            if e.object_id in ids or e.object_type != "invitation" or str(e.details.get("to_invitation")) in ids]


def collect(invitations: list[Invitation]) -> tuple[dict[str, Any], list[OutboxMessage]]:
    """Everything held about the person of *invitations*: a JSON-ready document and the stored e-mails."""
    items, all_messages, response_ids = [], [], []
    for inv in invitations:
        item = _row(inv)
        item["round"] = {"id": inv.round.id, "title": inv.round.title}
        item["institution"] = inv.institution.name_es if inv.institution else None
        item["region"] = inv.region.name_es if inv.region else None
        item["organisation"] = inv.organisation.name if inv.organisation else None
        response = db.session.scalar(select(Response).where(Response.invitation_id == inv.id))
        if response is not None:
            response_ids.append(response.id)
            item["response"] = _row(response)
            item["response"]["revisions"] = [_row(r) for r in response.revisions]
            item["response"]["answer_rows"] = [_row(a) for a in db.session.scalars(
                select(Answer).where(Answer.response_id == response.id).order_by(Answer.id))]
        else:
            item["response"] = None
        item["verification"] = verification_data.collect(inv, response, _row)
        messages = list(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id == inv.id).order_by(OutboxMessage.id)))
        item["messages"] = [_row(m) for m in messages]
        all_messages += messages
        items.append(item)
    document = {
        "generated_at": utcnow().isoformat(),
        "invitations": items,
        "audit_entries": _audit_entries(invitations, [m.id for m in all_messages], response_ids),
    }
    return document, all_messages


def _eml(message: OutboxMessage) -> bytes:
    email = EmailMessage()
    email["To"] = message.to_addr
    email["Subject"] = message.subject or message.kind
    email["Date"] = format_datetime(message.sent_at or message.created_at)
    email.set_content(message.body_text or "")
    return bytes(email)


def package(invitations: list[Invitation], *, as_zip: bool = True) -> bytes:
    """The export file: ``datos.json`` and ``correos/*.eml`` in a ZIP, or the JSON alone."""
    document, messages = collect(invitations)
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    if not as_zip:
        return text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datos.json", text)
        for m in messages:
            archive.writestr(f"correos/{m.invitation_id}-{m.kind}-{m.seq}-{m.id}.eml", _eml(m))
    return buffer.getvalue()


def export(invitations: list[Invitation], *, as_zip: bool = True) -> bytes:
    """:func:`package` for staff, audited as ``person.export`` naming invitation ids only."""
    if not invitations:
        raise PersonalDataError(_l("No hay invitaciones para ese correo."))
    data = package(invitations, as_zip=as_zip)
    audit.record("person.export", invitations[0], invitations=[inv.id for inv in invitations])
    return data


# --- erasure ---------------------------------------------------------------------------------------

def refuse_before(round_: Round, now: datetime | None = None) -> datetime:
    """Raise PersonalDataError unless *round_* is closed and its retention period is over."""
    when = erasable_from(round_)
    if when is None:
        raise PersonalDataError(_l("La ronda «%(title)s» no está cerrada: sus datos personales se conservan.",
                                   title=round_.title))
    if (now or utcnow()) < when:
        raise PersonalDataError(ngettext(
            "Los datos de esta persona se conservan %(num)d día tras el cierre de la ronda: se podrán "
            "eliminar desde el %(date)s.",
            "Los datos de esta persona se conservan %(num)d días tras el cierre de la ronda: se podrán "
            "eliminar desde el %(date)s.", round_.retention_days, date=lima_date(when)))
    return when


@dataclass(frozen=True)
class _Allowed:
    """The strings an answer may hold that are not the person's own words."""

    values: frozenset[str]
    is_date: bool = False

    def keeps(self, value: str) -> bool:
        return value in self.values or (self.is_date and bool(_ISO_DATE.match(value)))


def _allowed_by_key(version_ids: set[int]) -> dict[str, _Allowed]:
    allowed: dict[str, _Allowed] = {}
    for version in db.session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids))):
        for q in version.load().questions:
            if q.type in FREE_TEXT_TYPES:
                allowed.setdefault(q.key, _Allowed(frozenset()))
                continue
            # Answer rows hold a yes/no as "true"/"false" and option values as text.
            values = {str(o.value) for o in (*q.options, *q.rows, *q.columns)} | {"true", "false"}
            allowed.setdefault(q.key, _Allowed(frozenset(values), is_date=q.type == "date"))
    return allowed


def _blank(value: Any, allowed: _Allowed | None) -> Any:
    # Option values and dates stay; any other string (free text, text of an unknown question) goes.
    if isinstance(value, str):
        return value if allowed is not None and allowed.keeps(value) else ""
    if isinstance(value, list):
        return [_blank(v, allowed) for v in value]
    if isinstance(value, dict):
        return {k: _blank(v, allowed) for k, v in value.items()}
    return value


def _blank_answers(invitation: Invitation) -> None:
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    if response is None:
        return
    allowed = _allowed_by_key({response.version_id, *(r.version_id for r in response.revisions)})
    response.answers = {k: _blank(v, allowed.get(k)) for k, v in (response.answers or {}).items()}
    for revision in response.revisions:
        revision.answers = {k: _blank(v, allowed.get(k)) for k, v in (revision.answers or {}).items()}
    for row in db.session.scalars(select(Answer).where(Answer.response_id == response.id)):
        rule = allowed.get(row.question_key)
        if row.number is None:
            row.value = _blank(row.value, rule)
        row.item = "" if row.item and not (rule and all(rule.keeps(p) for p in row.item.split("__"))) else row.item


def _blank_messages(invitation: Invitation) -> None:
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id)
        .values(to_addr=invitation.email, subject="", body_text="", last_error="")
        .execution_options(synchronize_session="fetch"))
    # A message not sent yet must never go out with what is left of it.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.invitation_id == invitation.id, OutboxMessage.status.in_(("pending", "sending")))
        .values(status="failed", next_attempt_at=None, lease_ends_at=None)
        .execution_options(synchronize_session="fetch"))


def _expire_workbooks(round_id: int) -> None:
    # Built workbooks list the people of the round by name: none may outlive an erasure.
    for export_ in db.session.scalars(select(Export).where(
            Export.status == "ready", or_(Export.round_id == round_id, Export.compare_round_id == round_id))):
        Path(export_.file_path).unlink(missing_ok=True)
        export_.status, export_.file_path = "expired", ""


def erase(invitation: Invitation, *, now: datetime | None = None) -> bool:
    """Erase the person of *invitation* once its round's retention period is over.

    Name, e-mail, position, decline reason, free-text answers (response, revisions, answer rows)
    and the stored e-mails' addresses and texts go; the link dies. The organisation, region,
    sector, status, numeric and choice answers and the round's results stay. The status is not
    set to revoked (results and workbooks count submitted answers by it), so the placeholder
    address carries the id: it stays unique in the round. Returns False if it was already erased;
    audited once as ``person.erase`` naming the invitation id only.
    """
    now = now or utcnow()
    round_ = invitation.round
    db.session.flush()
    db.session.refresh(round_, with_for_update=True)  # a concurrent reopening cannot slip in between
    refuse_before(round_, now)
    # Claimed with a conditional UPDATE: two staff erasing at once audit it once.
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.erased_at.is_(None))
        .values(erased_at=now, name=ERASED_NAME.format(id=invitation.id), email=ERASED_EMAIL.format(id=invitation.id),
                position="", decline_reason="", token_nonce="", token_hash="erased-" + secrets.token_hex(28))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(invitation)
    if claimed != 1:
        return False
    _blank_answers(invitation)
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    verification_data.erase(invitation, response)
    _blank_messages(invitation)
    _expire_workbooks(round_.id)
    db.session.flush()
    audit.record("person.erase", invitation)
    return True
