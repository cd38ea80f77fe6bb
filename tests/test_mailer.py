"""Rendering messages in the official's language, and talking to a real SMTP server.

The SMTP servers are real: aiosmtpd in this process, and a tiny socket server that
hangs up right after a message's data (the case whose outcome is unknown).
"""
from __future__ import annotations

import email
import smtplib
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from survey.services import mailer, outbox
from tests.factories import make_invitation, make_round, make_user


class Sink:
    """aiosmtpd handler: keeps messages; replies with a chosen code for some recipients."""

    def __init__(self, replies: dict[str, str] | None = None):
        self.replies = replies or {}
        self.messages: list[email.message.Message] = []
        self.sessions = set()

    async def handle_RCPT(self, server, session, envelope: Envelope, address, rcpt_options):
        for needle, reply in self.replies.items():
            if needle in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        self.sessions.add(id(session))
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_invitation_is_rendered_in_spanish_with_link_institution_deadline_and_decline(app, request_ctx):
    round_ = make_round(title="Informe 2026")
    invitation, token = make_invitation(round_, name="Rosa Huamán", institution="mininter")
    message = outbox.add(invitation, "invitation")
    draft = mailer.draft(message)
    rendered = mailer.render(draft)
    base = app.config["SURVEY_BASE_URL"]
    assert rendered.subject == "Invitación: Informe 2026"
    assert f"{base}/r/{token}/" in rendered.text
    assert f"{base}/r/{token}/decline" in rendered.text
    assert "Rosa Huamán" in rendered.text
    assert invitation.institution.name_es in rendered.text
    assert "(hora de Lima)" in rendered.text
    assert f'href="{base}/r/{token}/"' in rendered.html


def test_english_officials_get_english_dates(request_ctx):
    round_ = make_round()
    invitation, _token = make_invitation(round_, language="en")
    rendered = mailer.render(mailer.draft(outbox.add(invitation, "reminder", 1)))
    month = round_.closes_at.strftime("%B")
    assert month in rendered.text  # an English month name, not a Spanish one


def test_names_are_escaped_in_html_and_the_stored_copy_has_no_token(request_ctx):
    round_ = make_round()
    invitation, token = make_invitation(round_, name="<script>alert(1)</script>")
    draft = mailer.draft(outbox.add(invitation, "invitation"))
    rendered = mailer.render(draft)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    stored = mailer.redact(draft, rendered.text)
    assert token not in stored and "/r/…/" in stored


def test_escalations_go_without_the_personal_link(request_ctx):
    round_ = make_round()
    invitation, token = make_invitation(round_)
    draft = mailer.draft(outbox.add(invitation, "escalation", 2, to_addr="coordina@example.org"))
    rendered = mailer.render(draft)
    assert token not in rendered.text and token not in rendered.html
    assert draft.to_addr == "coordina@example.org" and "n.º 2" in rendered.text


def test_a_batch_uses_one_connection_with_a_fixed_message_id(app, request_ctx, smtp_sink):
    sink, port = smtp_sink
    round_ = make_round()
    drafts = [mailer.draft(outbox.add(make_invitation(round_)[0], "invitation")) for _ in range(3)]
    with mailer.Connection(host="127.0.0.1", port=port, tls="none") as connection:
        for draft in drafts:
            connection.send(mailer.build_email(draft, mailer.render(draft)))
    assert len(sink.messages) == 3 and len(sink.sessions) == 1
    first = sink.messages[0]
    assert first["Message-ID"] == f"<outbox-{drafts[0].message_id}@localhost>"
    assert first.is_multipart() and {p.get_content_type() for p in first.get_payload()} == {"text/plain", "text/html"}


def test_4xx_is_temporary_and_5xx_permanent(request_ctx):
    sink = Sink({"busy": "451 4.3.0 try later", "nobody": "550 5.1.1 no such user"})
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        round_ = make_round()
        results = {}
        with mailer.Connection(host="127.0.0.1", port=controller.port, tls="none") as connection:
            for address in ("busy@example.org", "nobody@example.org", "fine@example.org"):
                draft = mailer.draft(outbox.add(make_invitation(round_, email=address)[0], "invitation"))
                try:
                    connection.send(mailer.build_email(draft, mailer.render(draft)))
                    results[address] = "sent"
                except smtplib.SMTPException as exc:
                    results[address] = mailer.classify(exc, in_doubt=connection.in_doubt)
    finally:
        controller.stop()
    assert results["busy@example.org"][0] == mailer.TEMPORARY and "451" in results["busy@example.org"][1]
    assert results["nobody@example.org"][0] == mailer.PERMANENT and "550" in results["nobody@example.org"][1]
    assert results["fine@example.org"] == "sent" and len(sink.messages) == 1


def test_a_refused_connection_is_temporary_and_fails_the_rest_of_the_batch_fast(request_ctx):
    round_ = make_round()
    draft = mailer.draft(outbox.add(make_invitation(round_)[0], "invitation"))
    connection = mailer.Connection(host="127.0.0.1", port=free_port(), tls="none", timeout=2)
    for _ in range(2):
        with pytest.raises(mailer.ConnectError) as caught:
            connection.send(mailer.build_email(draft, mailer.render(draft)))
        assert mailer.classify(caught.value)[0] == mailer.TEMPORARY
    assert connection.broken is caught.value


def _hang_up_after_data(server: socket.socket) -> None:
    conn, _ = server.accept()
    with conn, conn.makefile("rb") as reader:
        conn.sendall(b"220 hello\r\n")
        while line := reader.readline():
            if line.upper().startswith(b"DATA"):
                conn.sendall(b"354 go on\r\n")
                while reader.readline() not in (b".\r\n", b""):
                    pass
                return  # the data arrived; the reply never comes
            conn.sendall(b"250 ok\r\n")


def test_a_hang_up_after_the_data_has_an_unknown_outcome(request_ctx):
    server = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=_hang_up_after_data, args=(server,), daemon=True)
    thread.start()
    round_ = make_round()
    draft = mailer.draft(outbox.add(make_invitation(round_)[0], "invitation"))
    connection = mailer.Connection(host="127.0.0.1", port=server.getsockname()[1], tls="none", timeout=3)
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)) as caught:
        connection.send(mailer.build_email(draft, mailer.render(draft)))
    thread.join(5)
    server.close()
    assert connection.in_doubt
    assert mailer.classify(caught.value, in_doubt=True)[0] == mailer.UNKNOWN


def test_the_failure_notice_names_the_message_and_links_to_the_outbox(app, request_ctx):
    editor = make_user("editor")
    round_ = make_round(created_by=editor)
    invitation, _token = make_invitation(round_, email="rebota@example.org")
    failed = outbox.add(invitation, "reminder", 1)
    failed.status, failed.last_error = "failed", "550 no such user"
    notice = outbox.add(invitation, "failure_notice", failed.id, to_addr=editor.email)
    rendered = mailer.render(mailer.draft(notice))
    assert "550 no such user" in rendered.text and "rebota@example.org" in rendered.text
    assert f"/outbox/{failed.id}" in rendered.text


def test_without_smtp_host_sending_is_a_no_op(request_ctx):
    round_ = make_round()
    draft = mailer.draft(outbox.add(make_invitation(round_)[0], "invitation"))
    connection = mailer.Connection(host=None)
    assert connection.is_embedded
    connection.send(mailer.build_email(draft, mailer.render(draft)))  # nothing to connect to, no error
    assert connection.broken is None


def test_a_silent_server_times_out_as_a_temporary_failure(request_ctx):
    server = socket.create_server(("127.0.0.1", 0))  # accepts the TCP connection, never says hello
    try:
        round_ = make_round()
        draft = mailer.draft(outbox.add(make_invitation(round_)[0], "invitation"))
        connection = mailer.Connection(host="127.0.0.1", port=server.getsockname()[1], tls="none", timeout=0.5)
        with pytest.raises(mailer.ConnectError) as caught:
            connection.send(mailer.build_email(draft, mailer.render(draft)))
    finally:
        server.close()
    assert mailer.classify(caught.value)[0] == mailer.TEMPORARY and "timed out" in str(caught.value)
