"""Rounds: create, edit while not opened, open, close, and move to a newer version.

Dates typed by staff are Lima time (America/Lima); the database keeps UTC.
Every function adds and flushes; the caller commits once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from survey.extensions import db
from survey.models import Invitation, OutboxMessage, QuestionnaireVersion, Round, User
from survey.models._types import utcnow
from survey.services import audit, outbox

LIMA = ZoneInfo("America/Lima")

DEFAULT_POLICY: dict[str, Any] = {
    "days_before_close": [7, 2],
    "interval_days": None,
    "max_count": 3,
    "quiet_start": "20:00",
    "quiet_end": "08:00",
    "escalate_after": None,
    "escalate_to": None,
}

#: fields that :func:`update` may change
EDITABLE = (
    "title", "description", "version", "opens_at", "closes_at", "allow_edit_after_submit",
    "estimated_minutes", "reminder_policy", "retention_days",
)
#: the longest retention of personal data a round may set (ten years)
MAX_RETENTION_DAYS = 3650

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class RoundError(ValueError):
    """A round operation refused; ``field`` names the form field at fault, if any."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def lima_to_utc(value: datetime | str) -> datetime:
    """Return *value* in UTC; a naive value (or ISO text without offset) is Lima time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RoundError(_l("Fecha y hora no válidas: %(value)s (use AAAA-MM-DDTHH:MM).", value=value)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LIMA)
    return value.astimezone(UTC)


def utc_to_lima(value: datetime) -> datetime:
    """Return the naive Lima wall-clock time of an aware datetime (for form fields)."""
    return value.astimezone(LIMA).replace(tzinfo=None)


def parse_days(text: str | Iterable[int] | None) -> list[int]:
    """Read "14, 7, 2" into [14, 7, 2] (unique, largest first)."""
    if text is None:
        return []
    items = text.replace(";", ",").split(",") if isinstance(text, str) else list(text)
    days: set[int] = set()
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if not item.isdigit() or not 1 <= int(item) <= 365:
            raise RoundError(_l("«%(item)s» no es un número de días entre 1 y 365.", item=item), "reminder_days")
        days.add(int(item))
    return sorted(days, reverse=True)


def reminder_policy(
    *,
    days_before_close: str | Iterable[int] | None = None,
    interval_days: int | None = None,
    max_count: int = 3,
    quiet_start: str = "20:00",
    quiet_end: str = "08:00",
    escalate_after: int | None = None,
    escalate_to: str | None = None,
) -> dict[str, Any]:
    """Check a reminder policy and return it as stored in ``Round.reminder_policy``."""
    if interval_days is not None and not 1 <= interval_days <= 90:
        raise RoundError(_l("El intervalo debe estar entre 1 y 90 días."), "reminder_interval")
    if not 0 <= max_count <= 20:
        raise RoundError(_l("El máximo de recordatorios debe estar entre 0 y 20."), "reminder_max")
    for name, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if not _HHMM.match(value or ""):
            raise RoundError(_l("Hora no válida: «%(value)s» (use HH:MM).", value=value), name)
    if escalate_after is not None:
        if not 1 <= escalate_after <= max(max_count, 1):
            raise RoundError(_l("El aviso al coordinador debe ir tras un recordatorio entre 1 y el máximo."),
                             "escalate_after")
        if not escalate_to:
            raise RoundError(_l("Indique el correo del coordinador para el aviso."), "escalate_to")
    if escalate_to:
        try:
            escalate_to = validate_email(escalate_to, check_deliverability=False).normalized
        except EmailNotValidError:
            raise RoundError(_l("Correo del coordinador no válido."), "escalate_to") from None
    return {
        "days_before_close": parse_days(days_before_close),
        "interval_days": interval_days,
        "max_count": max_count,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "escalate_after": escalate_after,
        "escalate_to": escalate_to or None,
    }


def _check(round_: Round) -> None:
    if not (round_.title or "").strip():
        raise RoundError(_l("El título es obligatorio."), "title")
    if round_.version is None or not round_.version.is_published:
        raise RoundError(_l("Elija una versión publicada del cuestionario."), "version")
    if round_.closes_at <= round_.opens_at:
        raise RoundError(_l("El cierre debe ser posterior a la apertura."), "closes_at")
    if not 1 <= (round_.estimated_minutes or 0) <= 600:
        raise RoundError(_l("El tiempo estimado debe estar entre 1 y 600 minutos."), "estimated_minutes")
    if not 0 <= (round_.retention_days if round_.retention_days is not None else 365) <= MAX_RETENTION_DAYS:
        raise RoundError(_l("La conservación de datos personales debe estar entre 0 y %(max)s días.",
                            max=MAX_RETENTION_DAYS), "retention_days")


def create(
    version: QuestionnaireVersion,
    title: str,
    opens_at: datetime | str,
    closes_at: datetime | str,
    *,
    description: str = "",
    allow_edit_after_submit: bool = False,
    estimated_minutes: int = 30,
    reminder_policy: dict[str, Any] | None = None,
    retention_days: int = 365,
    user: User | None = None,
) -> Round:
    """Create a draft round on a published *version*; naive dates are Lima time."""
    round_ = Round(
        title=(title or "").strip(),
        description=description or "",
        questionnaire=version.questionnaire,
        version=version,
        opens_at=lima_to_utc(opens_at),
        closes_at=lima_to_utc(closes_at),
        status="draft",
        allow_edit_after_submit=allow_edit_after_submit,
        estimated_minutes=estimated_minutes,
        reminder_policy=dict(reminder_policy if reminder_policy is not None else DEFAULT_POLICY),
        retention_days=retention_days,
        created_by=user,
    )
    _check(round_)
    db.session.add(round_)
    db.session.flush()
    audit.record("round.create", round_, title=round_.title, version=version.number)
    return round_


def update(round_: Round, **fields: Any) -> Round:
    """Change a round that has never been opened; names allowed are in :data:`EDITABLE`."""
    if round_.status != "draft" or round_.opened_at is not None:
        raise RoundError(_l("Una ronda ya abierta no se puede modificar."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    changed = []
    for name, value in fields.items():
        if name in ("opens_at", "closes_at"):
            value = lima_to_utc(value)
        elif name == "title":
            value = (value or "").strip()
        elif name == "version" and value.questionnaire_id != round_.questionnaire_id:
            round_.questionnaire = value.questionnaire
        if getattr(round_, name) != value:
            setattr(round_, name, value)
            changed.append(name)
    _check(round_)
    db.session.flush()
    if changed:
        audit.record("round.update", round_, fields=sorted(changed))
    return round_


def _lock(round_: Round) -> None:
    """Re-read the round under a row lock so two clicks do not both act."""
    db.session.flush()
    db.session.refresh(round_, with_for_update=True)


def open_round(round_: Round) -> int:
    """Open *round_* and queue one invitation e-mail per active invitation not yet sent one.

    Opening an open round does nothing; re-opening a closed one queues nothing twice.
    Returns the number of messages queued.
    """
    _lock(round_)
    if round_.status == "open":
        return 0
    if round_.closes_at <= utcnow():
        raise RoundError(_l("La fecha de cierre ya pasó: no se puede abrir la ronda."))
    round_.status = "open"
    round_.opened_at = round_.opened_at or utcnow()
    round_.closed_at = None
    db.session.flush()
    queued = queue_pending_invitations(round_)
    audit.record("round.open", round_, queued=queued)
    return queued


def queue_pending_invitations(round_: Round) -> int:
    """Queue the invitation e-mail of every active invitation of *round_* that has none yet."""
    already = exists().where(OutboxMessage.invitation_id == Invitation.id, OutboxMessage.kind == "invitation")
    pending = db.session.scalars(
        select(Invitation)
        .where(Invitation.round_id == round_.id, Invitation.revoked_at.is_(None), ~already)
        .order_by(Invitation.id)
    ).all()
    return queue_first_invitations(pending)


def queue_first_invitations(invitations: Iterable[Invitation]) -> int:
    """Queue the first invitation e-mail (seq 0) of invitations that have none; returns the count.

    One INSERT for all rows and one send task per batch, instead of a query per official
    (:func:`outbox.queue` does the same one at a time): a round may invite thousands.
    The caller guarantees none has an invitation message yet; the UNIQUE key enforces it.
    """
    messages = [
        OutboxMessage(invitation_id=inv.id, round_id=inv.round_id, kind="invitation", seq=0, to_addr=inv.email)
        for inv in invitations
    ]
    db.session.add_all(messages)
    db.session.flush()
    outbox.send_later([m.id for m in messages])
    return len(messages)


def close_round(round_: Round) -> Round:
    """Close an open round: links stop accepting answers. Closing twice does nothing."""
    _lock(round_)
    if round_.status == "closed":
        return round_
    if round_.status != "open":
        raise RoundError(_l("Solo se puede cerrar una ronda abierta."))
    round_.status = "closed"
    round_.closed_at = utcnow()
    db.session.flush()
    audit.record("round.close", round_)
    return round_


def move_to_version(round_: Round, version: QuestionnaireVersion) -> Round:
    """Make new responses of an open round start on a newer published *version*.

    Responses keep the version they started on, submitted or not.
    """
    _lock(round_)
    if round_.status != "open":
        raise RoundError(_l("Solo una ronda abierta cambia de versión; una en borrador se edita."))
    if version.questionnaire_id != round_.questionnaire_id:
        raise RoundError(_l("La versión debe ser del mismo cuestionario."), "version")
    if not version.is_published:
        raise RoundError(_l("La versión debe estar publicada."), "version")
    if version.number <= round_.version.number:
        raise RoundError(_l("Elija una versión más nueva que la actual."), "version")
    previous = round_.version.number
    round_.version = version
    db.session.flush()
    audit.record("round.version", round_, previous=previous, number=version.number)
    return round_


def newer_versions(round_: Round) -> list[QuestionnaireVersion]:
    """Published versions of the round's questionnaire newer than its current one."""
    return list(db.session.scalars(
        select(QuestionnaireVersion)
        .where(
            QuestionnaireVersion.questionnaire_id == round_.questionnaire_id,
            QuestionnaireVersion.published_at.is_not(None),
            QuestionnaireVersion.number > round_.version.number,
        )
        .order_by(QuestionnaireVersion.number)
    ))


def published_versions() -> list[QuestionnaireVersion]:
    """Every published version of every questionnaire (choices for a new round)."""
    return list(db.session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.published_at.is_not(None))
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.number.desc())
    ))


def get(round_id: int) -> Round | None:
    """The round with *round_id*, or None."""
    return db.session.get(Round, round_id)


def list_all() -> list[Round]:
    """Every round, newest first."""
    return list(db.session.scalars(select(Round).order_by(Round.opens_at.desc(), Round.id.desc())))
