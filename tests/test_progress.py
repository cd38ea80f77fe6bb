"""A round's progress: invitations by status overall, per region and per institution."""
from __future__ import annotations

from survey.models._types import utcnow
from survey.services.progress import progress
from tests.factories import login_as, make_invitation, make_round, make_user


def populate(round_) -> None:
    for status, institution, region in (
        ("invited", "pnp", "cusco"), ("opened", "pnp", "cusco"), ("in_progress", "pnp", "puno"),
        ("submitted", "pnp", "puno"), ("submitted", "mimp", "cusco"), ("declined", "mimp", "cusco"),
    ):
        make_invitation(round_, status=status, institution=institution, region=region)
    make_invitation(round_, status="revoked", revoked_at=utcnow(), institution="mimp", region="puno")


def test_counts_overall_per_region_and_per_institution(db_session):
    round_ = make_round()
    populate(round_)
    make_invitation(make_round(), status="submitted")  # another round does not count
    result = progress(round_)
    overall = result.overall
    assert overall.by_status == {"invited": 1, "opened": 1, "in_progress": 1, "submitted": 2, "declined": 1,
                                 "revoked": 1}
    assert overall.invited == 6 and overall.opened == 5
    assert overall.response_rate == 33.3
    regions = {c.key: c for c in result.regions}
    assert set(regions) == {"cusco", "puno"}
    assert regions["cusco"].label == "Cusco" and regions["cusco"].invited == 4
    assert regions["cusco"].by_status["submitted"] == 1 and regions["cusco"].response_rate == 25.0
    assert regions["puno"].invited == 2 and regions["puno"].by_status["revoked"] == 1
    assert regions["puno"].response_rate == 50.0
    institutions = {c.key: c for c in result.institutions}
    assert institutions["pnp"].invited == 4 and institutions["pnp"].by_status["submitted"] == 1
    assert institutions["mimp"].invited == 2 and institutions["mimp"].response_rate == 50.0
    assert [c.key for c in result.regions] == ["cusco", "puno"]  # biggest group first


def test_an_empty_round_has_no_rate(db_session):
    result = progress(make_round())
    assert result.overall.invited == 0 and result.overall.response_rate is None
    assert result.regions == [] and result.institutions == []


def test_the_progress_page(client, db_session):
    round_ = make_round(title="Informe <2026>")
    populate(round_)
    make_invitation(round_, status="submitted", name="<img src=x onerror=alert(1)>", institution="pj")
    login_as(client, make_user("analyst"))
    text = client.get(f"/rounds/{round_.id}/progress").get_data(as_text=True)
    assert "Respuestas enviadas: 3 de 7 personas invitadas." in text
    assert "Informe &lt;2026&gt;" in text
    assert "Poder Judicial" in text and "Cusco" in text
    assert "42.9 %" in text
