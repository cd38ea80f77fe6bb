"""The outbox: claim before sending, temporary vs permanent failures, the sweeper,
the manual retry, and the editors' pages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, OutboxMessage
from survey.models._types import utcnow
from survey.services import outbox, outbox_staff, outbox_sweep
from tests.factories import login_as, make_invitation, make_round, make_user


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


@pytest.fixture
def editor(db_session):
    return make_user("editor")


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire(message)
    return db.session.get(OutboxMessage, message.id)


def notices() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "failure_notice")))


def test_queueing_in_one_transaction_makes_tasks_of_a_hundred_ids(request_ctx):
    round_ = make_round()
    invitations = [make_invitation(round_)[0] for _ in range(101)]
    message_ids = [outbox.queue(invitation, "invitation") for invitation in invitations]
    pending = [args[0] for name, args, _ in db.session.info["survey_after_commit"] if name == "mail.send"]
    assert [len(ids) for ids in pending] == [100, 1]
    assert sorted(i for ids in pending for i in ids) == sorted(message_ids)
    assert outbox.queue(invitations[0], "invitation") == message_ids[0]
    assert sum(len(ids) for name, (ids,), _ in db.session.info["survey_after_commit"]) == 101


def test_a_message_that_is_the_only_write_waits_for_the_commit(request_ctx):
    invitation = make_invitation(make_round())[0]
    db.session.commit()
    message_id = outbox.queue(invitation, "receipt", 1)  # one INSERT statement, no ORM flush
    assert db.session.info["survey_after_commit"] == [("mail.send", ([message_id],), {})]
    assert outbox.queue(invitation, "receipt", 1) == message_id
    assert outbox.add(invitation, "receipt", 1).id == message_id
    db.session.rollback()
    assert "survey_after_commit" not in db.session.info  # no task for a rolled-back row


def test_a_rolled_back_savepoint_keeps_the_tasks_queued_before_it(request_ctx):
    invitation = make_invitation(make_round())[0]
    db.session.commit()
    message_id = outbox.queue(invitation, "receipt", 1)
    savepoint = db.session.begin_nested()
    outbox.queue(invitation, "receipt", 2)
    savepoint.rollback()
    # The committed-to-be message keeps its task (an id rolled back with the savepoint may ride
    # along: the worker's claim finds no row for it and skips it).
    [(name, (ids,), _options)] = db.session.info["survey_after_commit"]
    assert name == "mail.send" and message_id in ids
    db.session.rollback()
    assert "survey_after_commit" not in db.session.info


def test_only_one_claim_wins_and_a_message_waiting_for_backoff_is_not_claimable(request_ctx):
    message = outbox.add(make_invitation(make_round())[0], "invitation")
    assert outbox.claim(message.id) is True
    assert outbox.claim(message.id) is False
    claimed = fresh(message)
    assert (claimed.status, claimed.attempts) == ("sending", 1) and claimed.claimed_at is not None
    later = outbox.add(make_invitation(make_round())[0], "invitation")
    later.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.flush()
    assert outbox.claim(later.id) is False
    assert outbox.claim(later.id, utcnow() + timedelta(minutes=6)) is True


def test_sent_records_the_text_and_the_invitation_date(request_ctx):
    invitation, _ = make_invitation(make_round())
    message = outbox.add(invitation, "invitation")
    outbox.claim(message.id)
    assert outbox.mark_sent(message.id, "Invitación", "Hola …", invitation_id=invitation.id)
    sent = fresh(message)
    assert (sent.status, sent.subject, sent.body_text) == ("sent", "Invitación", "Hola …")
    db.session.refresh(invitation)
    assert invitation.invited_at == sent.sent_at
    assert outbox.mark_sent(message.id, "again", "again") is False


def test_temporary_failures_back_off_then_fail_at_the_cap_and_tell_the_creator(app, request_ctx, editor):
    app.config.update(SURVEY_MAIL_MAX_ATTEMPTS=3, SURVEY_MAIL_BACKOFF_BASE=10, SURVEY_MAIL_BACKOFF_MAX=15)
    try:
        invitation, _ = make_invitation(make_round(created_by=editor))
        message = outbox.add(invitation, "reminder", 1)
        delays, now = [], utcnow()
        for _attempt in range(3):
            assert outbox.claim(message.id, now)
            failure = outbox.mark_failed(message.id, "451 busy", is_permanent=False, now=now)
            if failure.retry_at:
                delays.append((failure.retry_at - now).total_seconds())
                now = failure.retry_at
    finally:
        for key in ("SURVEY_MAIL_MAX_ATTEMPTS", "SURVEY_MAIL_BACKOFF_BASE", "SURVEY_MAIL_BACKOFF_MAX"):
            app.config.pop(key)
    assert 5 <= delays[0] <= 10 and 7.5 <= delays[1] <= 15  # base*2^(n-1), capped, half of it random
    assert failure.is_final
    failed = fresh(message)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 3, "451 busy")
    [notice] = notices()
    assert (notice.to_addr, notice.seq, notice.invitation_id) == (editor.email, message.id, invitation.id)


def test_a_permanent_failure_fails_at_once_and_a_failed_notice_makes_no_notice(request_ctx, editor):
    invitation, _ = make_invitation(make_round(created_by=editor))
    message = outbox.add(invitation, "invitation")
    outbox.claim(message.id)
    assert outbox.mark_failed(message.id, "550 no such user", is_permanent=True).is_final
    assert fresh(message).status == "failed"
    [notice] = notices()
    outbox.claim(notice.id)
    outbox.mark_failed(notice.id, "550 editor mailbox gone", is_permanent=True)
    assert len(notices()) == 1


def test_the_sweeper_requeues_lost_tasks_and_resends_a_dead_workers_invitation_once(request_ctx, editor):
    round_ = make_round(created_by=editor)
    now = utcnow()
    lost = outbox.add(make_invitation(round_)[0], "invitation")
    recent = outbox.add(make_invitation(round_)[0], "invitation")
    stale = outbox.add(make_invitation(round_)[0], "invitation")
    busy = outbox.add(make_invitation(round_)[0], "invitation")
    stale_receipt = outbox.add(make_invitation(round_)[0], "receipt", 1)
    lost.created_at = now - timedelta(minutes=10)
    stale.status, stale.claimed_at, stale.attempts = "sending", now - timedelta(hours=1), 1
    stale_receipt.status, stale_receipt.claimed_at, stale_receipt.attempts = "sending", now - timedelta(hours=1), 1
    busy.status, busy.claimed_at, busy.attempts = "sending", now - timedelta(seconds=30), 1
    db.session.flush()
    report = outbox_sweep.sweep(now)
    # The invitation the worker died on goes out again (same row, so the same Message-ID);
    # a receipt keeps today's rule: failed, the creator told.
    assert report.requeued == [lost.id, stale.id] and report.resent == [stale.id]
    assert report.abandoned == [stale_receipt.id]
    assert fresh(lost).next_attempt_at == now  # touched: not requeued again by the next sweep
    assert outbox_sweep.sweep(now + timedelta(seconds=1)).requeued == []
    again = fresh(stale)
    assert (again.status, again.unknown_outcome_at) == ("pending", now)
    assert again.last_error.startswith(outbox.UNKNOWN_OUTCOME) and "sent again automatically" in again.last_error
    gone = fresh(stale_receipt)
    assert gone.status == "failed" and gone.last_error.startswith(outbox.UNKNOWN_OUTCOME)
    assert (fresh(busy).status, fresh(recent).status) == ("sending", "pending")
    assert [n.seq for n in notices()] == [stale_receipt.id]
    # The resend dies the same way: a second unknown outcome is failed, not resent again.
    assert outbox.claim(stale.id, now)
    later = now + timedelta(hours=1)
    report = outbox_sweep.sweep(later)
    assert report.resent == [busy.id] and report.abandoned == [stale.id]  # busy's first time
    assert fresh(stale).status == "failed" and sorted(n.seq for n in notices()) == [stale.id, stale_receipt.id]


def test_a_dead_workers_batch_is_requeued_once_its_lease_runs_out(request_ctx):
    round_ = make_round()
    now = utcnow()
    batch = [outbox.add(make_invitation(round_)[0], "invitation") for _ in range(3)]
    waiting = outbox.add(make_invitation(round_)[0], "invitation")  # its task still in the queue
    for message in batch:  # queued long ago: a big round's batch may wait its turn for minutes
        message.created_at = now - timedelta(minutes=10)
    db.session.flush()
    outbox.lease([m.id for m in batch], now)
    assert outbox.claim(batch[0].id, now)  # the claimed one leaves the lease for its own clock
    assert outbox_sweep.sweep(now + timedelta(seconds=59)).requeued == []  # the task is alive
    report = outbox_sweep.sweep(now + timedelta(seconds=61))
    assert report.requeued == [batch[1].id, batch[2].id]
    assert fresh(batch[1]).lease_ends_at is None and fresh(waiting).lease_ends_at is None
    # A task that finished gives its lease back: nothing left for the sweep.
    outbox.lease([batch[1].id], now)
    outbox.release([batch[1].id])
    assert fresh(batch[1]).lease_ends_at is None


def test_an_unknown_outcome_at_the_mail_server_sends_an_invitation_again_once(request_ctx, editor):
    invitation, _ = make_invitation(make_round(created_by=editor))
    message = outbox.add(invitation, "invitation")
    receipt = outbox.add(invitation, "receipt", 1)
    now = utcnow()
    assert outbox.claim(message.id, now)
    failure = outbox.mark_failed(message.id, "unknown outcome: connection dropped after DATA", is_unknown=True,
                                 now=now)
    assert not failure.is_final and failure.retry_at == now
    assert (fresh(message).status, fresh(message).unknown_outcome_at) == ("pending", now)
    assert outbox.claim(message.id, now)
    assert outbox.mark_failed(message.id, "unknown outcome: again", is_unknown=True, now=now).is_final
    assert outbox.claim(receipt.id, now)
    assert outbox.mark_failed(receipt.id, "unknown outcome: dropped", is_unknown=True, now=now).is_final
    assert fresh(message).status == fresh(receipt).status == "failed"
    assert sorted(n.seq for n in notices()) == sorted([message.id, receipt.id])


def test_a_failed_message_is_retried_by_hand_once_and_audited(request_ctx, editor):
    message = outbox.add(make_invitation(make_round(created_by=editor))[0], "invitation")
    assert outbox_staff.retry_by_hand(message) is False  # not failed
    outbox.claim(message.id)
    outbox.mark_failed(message.id, "550 no", is_permanent=True)
    message = fresh(message)
    assert outbox_staff.retry_by_hand(message) is True
    assert fresh(message).status == "pending"
    outbox.claim(message.id)
    outbox.mark_failed(message.id, "550 still no", is_permanent=True)
    assert outbox_staff.retry_by_hand(fresh(message)) is False
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).all()
    assert [(e.object_id, e.details["kind"]) for e in events] == [(str(message.id), "invitation")]


def test_editors_see_messages_per_round_and_retry_from_the_page(app, client, editor):
    round_ = make_round(created_by=editor, title="Ronda de correos")
    invitation, token = make_invitation(round_, email="ana@example.gob.pe")
    message = outbox.add(invitation, "invitation")
    outbox.claim(message.id)
    outbox.mark_failed(message.id, "550 5.1.1 mailbox unknown", is_permanent=True)
    db.session.expire_all()  # the services write with UPDATE statements; the view shares this session
    login_as(client, editor)
    page = client.get(f"/outbox/?round={round_.id}").get_data(as_text=True)
    assert "Ronda de correos" in page and "ana@example.gob.pe" in page and "550 5.1.1 mailbox unknown" in page
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "Invitación: Ronda de correos" in page and token in page  # embedded run: the link shows
    assert "Enviado otra vez automáticamente" not in page
    response = client.post(f"/outbox/{message.id}/retry")
    assert response.status_code == 302
    assert fresh(message).status == "pending"
    assert client.post(f"/outbox/{message.id}/retry").status_code == 302
    assert "una sola vez" in client.get(f"/outbox/{message.id}").get_data(as_text=True)


def test_with_a_mail_server_the_page_masks_the_link(app, client, editor):
    invitation, token = make_invitation(make_round(created_by=editor))
    message = outbox.add(invitation, "reminder", 1)
    login_as(client, editor)
    app.config["SURVEY_SMTP_HOST"] = "smtp.example.org"
    try:
        page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    finally:
        app.config["SURVEY_SMTP_HOST"] = None
    assert token not in page and "/r/…/" in page


def test_analysts_cannot_open_the_outbox(client, db_session):
    login_as(client, make_user("analyst"))
    assert client.get("/outbox/").status_code == 403


def test_a_message_sent_again_after_an_unknown_outcome_says_so_under_correos(app, client, editor):
    round_ = make_round(created_by=editor)
    message = outbox.add(make_invitation(round_)[0], "invitation")
    outbox.claim(message.id)
    outbox.mark_failed(message.id, "unknown outcome: connection dropped after DATA", is_unknown=True)
    db.session.expire_all()
    login_as(client, editor)
    for url in (f"/outbox/?round={round_.id}", f"/outbox/{message.id}"):
        assert "Enviado otra vez automáticamente (resultado desconocido)" in client.get(url).get_data(as_text=True)
