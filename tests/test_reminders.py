"""Which reminders are due: checkpoints before closing, intervals, the cap, quiet hours
in Lima, who is left out, escalation copies, and no double under concurrent dispatch."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Invitation, OutboxMessage
from survey.services import reminders
from tests.factories import make_invitation, make_round

# 15:00 UTC is 10:00 in Lima: outside the default quiet hours
NOON = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
POLICY = {"days_before_close": [7, 2], "interval_days": None, "max_count": 3, "quiet_start": "20:00",
          "quiet_end": "08:00", "escalate_after": None, "escalate_to": None}


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


def round_closing_in(days: float, **policy):
    return make_round(opens_at=NOON - timedelta(days=30), closes_at=NOON + timedelta(days=days),
                      reminder_policy={**POLICY, **policy})


def invited(round_, days_ago: float = 20, **fields) -> Invitation:
    invitation, _token = make_invitation(round_, **fields)
    invitation.invited_at = NOON - timedelta(days=days_ago)
    db.session.flush()
    return invitation


def reminders_of(invitation) -> list[tuple[str, int, str]]:
    return [(m.kind, m.seq, m.to_addr) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id).order_by(OutboxMessage.id))]


def test_a_checkpoint_passed_since_the_last_message_makes_the_next_reminder_due(request_ctx):
    round_ = round_closing_in(6)
    invitation = invited(round_)
    ids = reminders.claim_due(NOON)
    assert len(ids) == 1 and reminders_of(invitation) == [("reminder", 1, invitation.email)]
    db.session.refresh(invitation)
    assert (invitation.reminders_sent, invitation.last_reminded_at) == (1, NOON)
    assert reminders.claim_due(NOON + timedelta(hours=1)) == []  # nothing new until the 2-day checkpoint
    assert len(reminders.claim_due(NOON + timedelta(days=4, hours=1))) == 1
    assert [seq for _k, seq, _a in reminders_of(invitation)] == [1, 2]


def test_invited_after_the_checkpoint_means_no_reminder_yet(request_ctx):
    round_ = round_closing_in(6)
    invited(round_, days_ago=0.5)
    assert reminders.claim_due(NOON) == []


def test_interval_days_repeat_until_the_cap(request_ctx):
    round_ = round_closing_in(60, days_before_close=[], interval_days=3, max_count=2)
    invitation = invited(round_, days_ago=4)
    now = NOON
    for _ in range(4):
        reminders.claim_due(now)
        now += timedelta(days=3, hours=1)
    assert [seq for _k, seq, _a in reminders_of(invitation)] == [1, 2]


def test_quiet_hours_are_read_on_limas_clock(request_ctx):
    round_ = round_closing_in(6)
    invited(round_)
    lima_night = datetime(2026, 5, 4, 3, 30, tzinfo=UTC)  # 22:30 in Lima
    assert reminders.claim_due(lima_night) == []
    assert len(reminders.claim_due(lima_night + timedelta(hours=10))) == 1  # 08:30 in Lima


@pytest.mark.parametrize(("start", "end", "hour", "quiet"), [
    ("20:00", "08:00", 21, True), ("20:00", "08:00", 7, True), ("20:00", "08:00", 8, False),
    ("13:00", "15:00", 14, True), ("13:00", "15:00", 16, False), ("09:00", "09:00", 9, False),
])
def test_quiet_windows(start, end, hour, quiet):
    lima_time = datetime(2026, 5, 4, hour, 0, tzinfo=reminders.LIMA)
    assert reminders.is_quiet({"quiet_start": start, "quiet_end": end}, lima_time) is quiet


def test_only_officials_still_expected_to_answer_are_reminded(request_ctx):
    round_ = round_closing_in(6)
    waiting = invited(round_)
    started = invited(round_, status="in_progress")
    invited(round_, status="submitted")
    invited(round_, status="declined")
    invited(round_, status="revoked", revoked_at=NOON)
    never_invited, _token = make_invitation(round_)  # its invitation e-mail never went out
    reminders.claim_due(NOON)
    reminded = set(db.session.scalars(select(OutboxMessage.invitation_id)))
    assert reminded == {waiting.id, started.id}
    assert never_invited.id not in reminded


def test_closed_or_past_rounds_send_nothing(request_ctx):
    invited(round_closing_in(6), status="invited").round.status = "closed"
    late = round_closing_in(1)
    invited(late)
    db.session.flush()
    assert reminders.claim_due(NOON + timedelta(days=2)) == []


def test_after_the_nth_reminder_a_copy_goes_to_the_coordinator(request_ctx):
    round_ = round_closing_in(6, escalate_after=2, escalate_to="coordina@region.gob.pe")
    invitation = invited(round_)
    reminders.claim_due(NOON)
    reminders.claim_due(NOON + timedelta(days=4, hours=1))
    assert reminders_of(invitation) == [
        ("reminder", 1, invitation.email), ("reminder", 2, invitation.email),
        ("escalation", 2, "coordina@region.gob.pe"),
    ]


def test_the_copy_goes_to_the_coordinators_of_the_invitation_s_region_where_there_are_some(request_ctx):
    from survey.models import Region
    from tests.factories import make_staff

    cusco = db.session.scalar(select(Region).where(Region.key == "cusco"))
    for email in ("rosa@chs.org.pe", "ana@chs.org.pe"):
        make_staff("coordinator", email=email).regions = [cusco]
    make_staff("coordinator", email="baja@chs.org.pe").is_enabled = False
    round_ = round_closing_in(6, escalate_after=1, escalate_to="coordina@region.gob.pe")
    in_cusco, in_puno = invited(round_), invited(round_)
    in_puno.region = db.session.scalar(select(Region).where(Region.key == "puno"))
    db.session.flush()
    reminders.claim_due(NOON)
    assert reminders_of(in_cusco)[-1] == ("escalation", 1, "ana@chs.org.pe, rosa@chs.org.pe")
    assert reminders_of(in_puno)[-1] == ("escalation", 1, "coordina@region.gob.pe")


def test_a_reminder_another_dispatcher_queued_first_is_not_doubled(request_ctx):
    round_ = round_closing_in(6)
    first, second = invited(round_), invited(round_)
    # another dispatcher committed reminder 1 of *first* but this one read the counters before
    db.session.add(OutboxMessage(invitation=first, round_id=round_.id, kind="reminder", seq=1, to_addr=first.email))
    db.session.flush()
    ids = reminders.claim_due(NOON)
    assert len(ids) == 1
    assert reminders_of(first) == [("reminder", 1, first.email)]
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.reminders_sent, second.reminders_sent) == (0, 1)  # only the inserter moves the counter
