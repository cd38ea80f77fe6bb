"""Round results: counts by value, per-axis indices per group, response rates; idempotent
recomputation and the debounce of bursts of submissions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from survey.extensions import db
from survey.models import Answer, RoundResult
from survey.models._types import utcnow
from survey.services import results
from tests.factories import (
    export_document,
    make_invitation,
    make_response,
    make_round,
    publish_document,
)


@pytest.fixture
def request_ctx(app, db_session):
    with app.test_request_context():
        yield


@pytest.fixture
def round_(request_ctx):
    return make_round(publish_document(export_document()))


def answers(plan="approved", actions=("a",), grid=None, quality=None, has_plan=True):
    value = {"has_plan": has_plan, "plan_status": plan, "actions": list(actions)}
    if grid:
        value["grid"] = grid
    if quality is not None:
        value["quality"] = quality
    return value


def counts_of(blocks, key):
    return {(e["item"], e["value"]): e["count"] for e in blocks[("question", key)]["counts"]}


def test_counts_indices_and_rates_per_group(round_):
    a1, _ = make_invitation(round_, institution="mininter", region="cusco")
    a2, _ = make_invitation(round_, institution="mininter", region="puno")
    b1, _ = make_invitation(round_, institution="minjus", region="cusco")
    make_invitation(round_, institution="minjus", region="cusco", status="declined")
    make_invitation(round_, institution="minjus", region="puno")
    r1 = make_response(a1, answers("approved", ("a", "b"), {"r1": "yes", "r2": "no"}, quality=5))
    r2 = make_response(a2, answers("draft", ("a",)))  # no protection answers: its prot index is null
    r3 = make_response(b1, answers("none", (), {"r1": "yes", "r2": "yes"}, has_plan=False))
    assert results.aggregate(round_.id) > 0
    blocks = results.for_round(round_.id)

    assert counts_of(blocks, "plan_status") == {("", "approved"): 1, ("", "draft"): 1, ("", "none"): 1}
    assert counts_of(blocks, "actions") == {("", "a"): 2, ("", "b"): 1}
    assert counts_of(blocks, "grid") == {("r1", "yes"): 2, ("r2", "no"): 1, ("r2", "yes"): 1}
    assert ("question", "notes") not in blocks and ("question", "budget") not in blocks  # text and numbers

    def mean(*values):
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), results.INDEX_DECIMALS) if values else None

    national = blocks[("national", "")]
    for axis in ("gov", "prot"):
        assert national["index"][axis] == mean(r1.scores[axis], r2.scores[axis], r3.scores[axis])
    assert r2.scores["prot"] is None and national["scored"]["prot"] == 2
    assert (national["invited"], national["submitted"], national["declined"]) == (5, 3, 1)
    assert national["response_rate"] == 0.6
    mininter = blocks[("institution", str(a1.institution_id))]
    assert mininter["index"]["gov"] == mean(r1.scores["gov"], r2.scores["gov"])
    assert mininter["response_rate"] == 1.0
    puno = blocks[("region", str(a2.region_id))]
    assert puno["index"]["prot"] is None and puno["responses"] == 1  # null when no response has the axis
    assert blocks[("responses", "")]["responses"][str(r3.id)]["index"] == r3.scores


def test_a_doubled_run_gives_the_numbers_of_one_run_and_drops_stale_blocks(round_):
    invitation, _ = make_invitation(round_)
    make_response(invitation, answers(grid={"r1": "no", "r2": "no"}))
    results.aggregate(round_.id)
    first = results.for_round(round_.id)
    results.aggregate(round_.id, utcnow() + timedelta(seconds=1))
    assert results.for_round(round_.id) == first
    assert db.session.scalar(select(func.count(RoundResult.id)).where(RoundResult.round_id == round_.id)) == len(first)
    db.session.execute(delete(Answer).where(Answer.question_key == "grid"))
    results.aggregate(round_.id, utcnow() + timedelta(seconds=2))
    assert ("question", "grid") not in results.for_round(round_.id)


def test_an_empty_round_has_a_national_block_with_null_indices(round_):
    make_invitation(round_)
    results.aggregate(round_.id)
    national = results.for_round(round_.id)[("national", "")]
    assert national["index"] == {"gov": None, "prot": None} and national["response_rate"] == 0.0


def test_bursts_are_debounced_into_one_deferred_run(round_):
    now = utcnow()
    assert results.plan(round_.id, debounce=30, now=now) == 0.0
    results.aggregate(round_.id, now)
    wait = results.plan(round_.id, debounce=30, now=now + timedelta(seconds=10))
    assert wait == pytest.approx(20.0)
    assert results.plan(round_.id, debounce=30, now=now + timedelta(seconds=11)) is None  # already booked
    assert results.plan(round_.id, debounce=30, force=True, now=now + timedelta(seconds=12)) == 0.0
    assert results.plan(round_.id, debounce=30, now=now + timedelta(seconds=30)) == 0.0  # the booked run computes


def test_the_nightly_run_takes_open_and_recently_closed_rounds(request_ctx):
    version = publish_document(export_document())
    now = utcnow()
    open_round = make_round(version)
    recent = make_round(version, status="closed", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
    make_round(version, status="closed", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=5))
    make_round(version, status="draft")
    assert results.rounds_to_refresh(now) == [open_round.id, recent.id]
