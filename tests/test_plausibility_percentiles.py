"""Plausibility within a round: an answer outside the 1st–99th percentile of the round's answers is flagged,
the others are not. Twenty institutions reported their cases; one reported 500.

Percentiles by hand (Python's statistics.quantiles, method "inclusive", n = 100, the rule's defaults): the
twenty values sorted are d = 10, 10, 11, 12, …, 27, 500 (m = 19 gaps). The 1st percentile lies at 1 × 19 / 100
= 0.19 of the way from d[0] to d[1]: 10 + 0.19 × 0 = 10. The 99th at 99 × 19 / 100 = 18.81: d[18] + 0.81 ×
(d[19] − d[18]) = 27 + 0.81 × 473 = 410.13. So 500 lies above, and 10 (the lowest, twice) is not below.
"""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.verification import plausibility
from tests.factories import make_invitation, make_response, make_round, publish_document
from tests.verification_support import cases_document

NORMAL = [10, 10, *range(11, 28)]
OUTLIER = 500


@pytest.fixture
def twenty_answers(db_session):
    """A round with the 19 usual counts and the outlier; returns (round, {value: response id})."""
    assert len(NORMAL) == 19
    round_ = make_round(publish_document(cases_document()))
    ids = {}
    for number, value in enumerate([*NORMAL, OUTLIER]):
        invitation, _ = make_invitation(round_, region="cusco", email=f"oficina{number}@example.pe")
        ids.setdefault(value, []).append(make_response(invitation, {"casos_reportados": value}).id)
    db.session.commit()
    return round_, ids


def test_the_percentiles_are_those_computed_by_hand(app, twenty_answers):
    round_, _ = twenty_answers
    low, high = plausibility.bounds(round_.id, ["casos_reportados"], plausibility.Rule())["casos_reportados"]
    assert low == pytest.approx(10) and high == pytest.approx(410.13)


def test_only_the_outlier_is_flagged(app, twenty_answers):
    round_, ids = twenty_answers
    flags = plausibility.round_flags(round_, ["casos_reportados"])
    assert [(flag.response_id, flag.kind, flag.value) for flag in flags] == [
        (ids[OUTLIER][0], "percentile", OUTLIER)]
    assert (flags[0].low, flags[0].high) == (pytest.approx(10), pytest.approx(410.13))

