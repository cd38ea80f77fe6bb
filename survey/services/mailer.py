"""Rendering outbox messages and handing them to the SMTP server.

A message is rendered from ``templates/email/<kind>.txt`` (subject in a block) and
``.html`` in the recipient's language. One :class:`Connection` serves a batch. With no
``SURVEY_SMTP_HOST`` (the embedded run) nothing leaves the machine: the worker stores
the rendered message in its outbox row and staff read it in the browser.
"""
from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import Any, Self

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey import tokens
from survey.extensions import db
from survey.models import Invitation, OutboxMessage, QueryMessage, Round, User

#: kinds that carry the official's personal link and a decline link
LINKED_KINDS = ("invitation", "reminder", "forward")
TEMPORARY, PERMANENT, UNKNOWN = "temporary", "permanent", "unknown"
#: a connection idle this long is checked with NOOP before the next message
IDLE_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Draft:
    """Everything needed to render one message, read before any commit."""

    message_id: int
    #: None for a message to staff about their own account
    invitation_id: int | None
    kind: str
    to_addr: str
    language: str
    next_attempt_at: datetime | None
    values: dict[str, Any]
    #: the personal token in the links (kept out of what is stored)
    token: str = ""


@dataclass(frozen=True)
class Rendered:
    """A rendered message: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def _link(adapter, endpoint: str, **values: Any) -> str:
    return current_app.config["SURVEY_BASE_URL"] + adapter.build(endpoint, values)


def prepare(message_ids: Iterable[int]) -> list[Draft]:
    """Drafts of the still-pending messages among *message_ids*, in id order."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "pending")
        .options(
            joinedload(OutboxMessage.invitation).joinedload(Invitation.institution),
            joinedload(OutboxMessage.invitation).joinedload(Invitation.organisation),
            joinedload(OutboxMessage.invitation).joinedload(Invitation.round).joinedload(Round.created_by),
        )
        .order_by(OutboxMessage.id)
    ).unique().all()
    adapter = current_app.url_map.bind("localhost")
    return [draft(message, adapter) for message in messages]


def draft(message: OutboxMessage, adapter=None) -> Draft:
    """The draft of one message, whatever its state (the outbox page shows it)."""
    adapter = adapter or current_app.url_map.bind("localhost")
    if message.invitation is None:
        return _staff_draft(message)
    invitation = message.invitation
    round_ = invitation.round
    language = invitation.language if invitation.language in current_app.config["SURVEY_LANGUAGES"] else "es"
    if message.kind == "failure_notice":
        language = round_.created_by.language if round_.created_by is not None else "es"
    elif message.kind == "escalation":
        language = "es"
    values: dict[str, Any] = {
        "official_name": invitation.name,
        "official_email": invitation.email,
        "position": invitation.position,
        "institution": invitation.represented(language),
        "round_title": round_.title,
        "closes_at": round_.closes_at,
        "estimated_minutes": round_.estimated_minutes,
        "seq": message.seq,
        "link": "",
        "decline_link": "",
    }
    token = ""
    if message.kind in LINKED_KINDS or (message.kind == "receipt" and round_.allow_edit_after_submit):
        token = tokens.token_for(invitation)
        values["link"] = _link(adapter, "respond.welcome", token=token)
        if message.kind in LINKED_KINDS:
            values["decline_link"] = _link(adapter, "respond.decline", token=token)
    if message.kind == "query":
        token = _query_values(values, invitation, message.seq, adapter)
    if message.kind == "failure_notice":
        failed = db.session.get(OutboxMessage, message.seq)
        values["failed_kind"] = failed.kind if failed else ""
        values["failed_to"] = failed.to_addr if failed else ""
        values["failed_error"] = failed.last_error if failed else ""
        values["outbox_link"] = _link(adapter, "outbox.message", message_id=message.seq)
    return Draft(message.id, invitation.id, message.kind, message.to_addr, language, message.next_attempt_at, values,
                 token)


def _query_values(values: dict[str, Any], invitation: Invitation, message_id: int, adapter) -> str:
    """A query's e-mail (seq = the staff message's id): the question, the message, the link that reopens it."""
    asked = db.session.get(QueryMessage, message_id)
    token = tokens.token_for(invitation)
    values["query_text"] = asked.body if asked is not None else ""
    values["question_key"] = asked.query.question_key if asked is not None else ""
    values["link"] = _link(adapter, "respond.query", token=token, question_key=values["question_key"]) if asked else ""
    return token


def _staff_draft(message: OutboxMessage) -> Draft:
    """A message to a member of staff about their own account (``login_alert``): no round, no link."""
    from survey.auth.limits import failed_attempts  # the login limits own what the alert says

    user = db.session.scalar(select(User).where(User.email == message.to_addr))
    language = user.language if user is not None and user.language in current_app.config["SURVEY_LANGUAGES"] else "es"
    attempts = failed_attempts(user.id, message.created_at) if user is not None else None
    values: dict[str, Any] = {
        "name": user.name if user is not None else "",
        "email": message.to_addr,
        "failed_count": attempts.count if attempts else 0,
        "addresses": attempts.addresses if attempts else [],
        "window_minutes": attempts.window_minutes if attempts else 0,
        "noticed_at": message.created_at,
    }
    return Draft(message.id, None, message.kind, message.to_addr, language, message.next_attempt_at, values)


def render(draft: Draft) -> Rendered:
    """Render *draft* in its language (Spanish unless the official chose English)."""
    env = current_app.jinja_env
    with force_locale(draft.language):
        context = dict(draft.values, language=draft.language)
        if "closes_at" in draft.values:  # messages of a round
            context["deadline"] = format_date(draft.values["closes_at"], "long")
            context["deadline_time"] = format_time(draft.values["closes_at"], "HH:mm")
        text_template = env.get_template(f"email/{draft.kind}.txt")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(context)))
        text = text_template.render(context)
        html = env.get_template(f"email/{draft.kind}.html").render(context)
    return Rendered(" ".join(subject.split()), text.strip() + "\n", html)


def redact(draft: Draft, text: str) -> str:
    """*text* without the personal token: the stored copy must hold no working link."""
    return text.replace(draft.token, "…") if draft.token else text


def build_email(draft: Draft, rendered: Rendered) -> MIMEMultipart:
    """The MIME message (plain text plus HTML alternative) for *draft*.

    Built with the compat32 MIME classes: the header-parsing EmailMessage API cost more
    than the SMTP exchange itself. The Message-ID is fixed per outbox row, so a copy
    sent again by hand is recognisable as the same message by the receiving side.
    """
    sender = current_app.config["SURVEY_MAIL_SENDER"]
    name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "localhost"
    email = MIMEMultipart("alternative")
    email["Subject"] = Header(rendered.subject, "utf-8")
    email["From"] = formataddr((name, address), charset="utf-8")
    email["To"] = draft.to_addr
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = f"<outbox-{draft.message_id}@{domain}>"
    email["Content-Language"] = draft.language
    email["Auto-Submitted"] = "auto-generated"
    email.attach(MIMEText(rendered.text, "plain", "utf-8"))
    email.attach(MIMEText(rendered.html, "html", "utf-8"))
    return email


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP that notes when the end of a message's data has gone out.

    From that moment the server may have accepted the message even if we never
    hear its reply: a failure then has an unknown outcome and is not retried.
    """

    in_doubt = False

    def send(self, s):  # smtplib's name
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.in_doubt = True
        super().send(s)


class _SMTP_SSL(smtplib.SMTP_SSL, _SMTP):
    pass


class ConnectError(Exception):
    """The SMTP server could not be reached or refused the session (always temporary)."""


@dataclass
class Connection:
    """One SMTP session for a batch of messages, opened at the first message.

    After a failed connect the connection stays broken for the batch: the rest of the
    batch fails fast instead of waiting for the timeout once per message.
    """

    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    tls: str = "starttls"
    timeout: float = 10.0
    broken: ConnectError | None = None
    #: the last failed message's data had gone out: the server may have it
    in_doubt: bool = False
    _smtp: _SMTP | None = field(default=None, repr=False)
    _used_at: float = 0.0

    @classmethod
    def from_config(cls, config) -> Connection:
        """A connection configured by the SURVEY_SMTP_* settings."""
        return cls(
            host=config.get("SURVEY_SMTP_HOST"),
            port=int(config.get("SURVEY_SMTP_PORT", 25)),
            user=config.get("SURVEY_SMTP_USER"),
            password=config.get("SURVEY_SMTP_PASSWORD"),
            tls=(config.get("SURVEY_SMTP_TLS") or "none").lower(),
            timeout=float(config.get("SURVEY_SMTP_TIMEOUT", 10)),
        )

    @property
    def is_embedded(self) -> bool:
        """True when no SMTP server is configured (messages only go to the outbox)."""
        return not self.host

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, email: Message) -> None:
        """Send one message (a no-op in the embedded run); raises on any failure."""
        if self.is_embedded:
            return
        if self.broken is not None:
            raise self.broken
        self._ensure_open()
        self.in_doubt = self._smtp.in_doubt = False
        try:
            self._smtp.send_message(email)
        except BaseException as exc:
            # A reply, even an error, settles the outcome; silence after the data does not.
            self.in_doubt = self._smtp.in_doubt and not isinstance(exc, smtplib.SMTPResponseException)
            if not isinstance(exc, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)):
                self._drop()
            raise
        self._used_at = time.monotonic()

    def _ensure_open(self) -> None:
        if self._smtp is not None and time.monotonic() - self._used_at > IDLE_CHECK_SECONDS:
            try:
                if self._smtp.noop()[0] != 250:
                    self._drop()
            except (smtplib.SMTPException, OSError):
                self._drop()
        if self._smtp is None:
            self._open()

    def _open(self) -> None:
        try:
            if self.tls == "ssl":
                smtp: _SMTP = _SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = _SMTP(self.host, self.port, timeout=self.timeout)
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            self.broken = ConnectError(f"cannot open an SMTP session with {self.host}:{self.port}: {_describe(exc)}")
            raise self.broken from exc
        self._smtp = smtp
        self._used_at = time.monotonic()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the session politely."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        self._drop()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def classify(exc: BaseException, *, in_doubt: bool = False) -> tuple[str, str]:
    """Return (TEMPORARY | PERMANENT | UNKNOWN, reason) for a failed send.

    4xx replies, timeouts, refused or dropped connections are temporary; 5xx replies
    to the message are permanent; a failure after the message data went out has an
    unknown outcome. Trouble opening the session (including a 5xx to the login) is
    temporary: it is the server's or the settings' fault, not the message's.
    """
    reason = _describe(exc)
    if isinstance(exc, ConnectError):
        return TEMPORARY, reason
    if in_doubt:
        return UNKNOWN, f"unknown outcome: {reason}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return (PERMANENT if codes and min(codes) >= 500 else TEMPORARY), reason
    if isinstance(exc, smtplib.SMTPResponseException):
        return (PERMANENT if exc.smtp_code >= 500 else TEMPORARY), reason
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return TEMPORARY, reason
    return PERMANENT, f"the message could not be prepared: {reason}"
