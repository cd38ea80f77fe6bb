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
from survey.models import Invitation
from survey.services.reference import match_region
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



def test_a_regions_list_flags_its_outlier_against_the_whole_rounds_percentiles(app, db_session):
    # Nineteen usual counts in Puno; Cusco has one usual count and the outlier. Two answers alone have no
    # percentiles: Cusco's coordinator sees the outlier only if the bounds are the whole round's.
    round_ = make_round(publish_document(cases_document()))
    for number, value in enumerate(NORMAL):
        invitation, _ = make_invitation(round_, region="puno", email=f"puno{number}@example.pe")
        make_response(invitation, {"casos_reportados": value})
    cusco_ids = []
    for number, value in enumerate([15, OUTLIER]):
        invitation, _ = make_invitation(round_, region="cusco", email=f"cusco{number}@example.pe")
        cusco_ids.append(make_response(invitation, {"casos_reportados": value}).id)
    db.session.commit()
    cusco = Invitation.region_id == match_region("cusco").id

    flags = plausibility.round_flags(round_, ["casos_reportados"], cusco)
    assert [(flag.response_id, flag.kind, flag.value) for flag in flags] == [(cusco_ids[1], "percentile", OUTLIER)]
    nowhere = Invitation.region_id == match_region("loreto").id
    assert plausibility.round_flags(round_, ["casos_reportados"], nowhere) == []
