"""Public scorecards read together: an adversary who combines tables of one publication (a region and the
organisations named in it) or two publications of one round (before and after a late response) must not
get back a figure of fewer than k responses.

The round: Zeta (3 responses) and Beta (1, the secret) in Cusco; Alfa in Lima and Delta in Puno with 3
each; all of one institution type.
"""
from __future__ import annotations

import json

import pytest

import questionnaires
from survey.extensions import db
from survey.services import organisations
from survey.services.reference import match_institution, match_region
from tests.factories import export_document, make_invitation, make_response, make_round, make_staff, publish_document
from tests.test_publication import PLAN, PUNO, get, publish, sign_in

K = 3
SECRET = PUNO
AXES = [axis.key for axis in questionnaires.load(export_document()).framework.axes]


@pytest.fixture
def round_(db_session):
    """The round of the module docstring; returns (round, {organisation name: region name})."""
    made = make_round(publish_document(export_document()), title="Ronda cruzada")
    kind = match_institution("mininter")
    where = {"Zeta Cusco": "cusco", "Beta Cusco": "cusco", "Alfa Lima": "lima", "Delta Puno": "puno"}
    made_orgs = {name: organisations.create(name, "state_regional", institution=kind, regions=[match_region(region)])
                 for name, region in where.items()}
    for name, count in (("Zeta Cusco", 3), ("Alfa Lima", 3), ("Delta Puno", 3)):
        for i in range(count):
            invitation, _ = make_invitation(made, region=where[name], organisation_id=made_orgs[name].id)
            make_response(invitation, {**PLAN, "staff": 5 + i})
    invitation, _ = make_invitation(made, region="cusco", organisation_id=made_orgs["Beta Cusco"].id)
    make_response(invitation, SECRET)
    db.session.commit()
    return made, {name: match_region(region).name("es") for name, region in where.items()}


def tables_of(client, round_id: int) -> dict[str, dict]:
    """The public JSON's tables by key (with the national one)."""
    data = json.loads(get(client, f"/p/{round_id}/data.json")[1])
    return {"national": data["national"], **{table["key"]: table for table in data["tables"]}}


def shown(cell: dict) -> bool:
    return not cell.get("suppressed")


def test_a_region_minus_the_organisations_named_in_it_never_leaves_a_small_figure(client, round_):
    made, region_of = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id, is_naming_organisations="y")
    tables = tables_of(client, made.id)
    for axis in AXES:
        regions = {cell["label"]["es"]: cell for cell in tables[f"region-{axis}"]["cells"]}
        named = {cell["label"]["es"]: cell for cell in tables[f"org-{axis}"]["cells"]}
        assert not shown(named["Beta Cusco"])
        for region, cell in regions.items():
            if not shown(cell):
                continue
            inside = [named[name] for name, where in region_of.items() if where == region]
            rest = cell["n"] - sum(org["n"] for org in inside if shown(org))
            assert rest == 0 or rest >= K, f"{axis}: {region} minus its named organisations rests on {rest}"
    # Without names the regions alone are safe: Cusco (4) is shown.
    publish(client, made.id)
    regions = {cell["label"]["es"]: cell for cell in tables_of(client, made.id)[f"region-{AXES[0]}"]["cells"]}
    assert regions["Cusco"]["n"] == 4


def test_publishing_again_after_one_late_response_does_not_give_it_away(client, round_):
    made, _ = round_
    sign_in(client, make_staff("editor"))
    publish(client, made.id)
    before = tables_of(client, made.id)
    invitation, _ = make_invitation(made, region="lima")
    make_response(invitation, SECRET)
    db.session.commit()
    publish(client, made.id)
    after = tables_of(client, made.id)
    leaks = []
    for key, table in after.items():
        cells = [*table["cells"], *([table["total"]] if "total" in table else [])]
        old = {cell["key"]: cell for cell in [*before[key]["cells"], *([before[key]["total"]] if "total" in before[key] else [])]}
        for cell in cells:
            if shown(cell) and cell["key"] in old and shown(old[cell["key"]]):
                change = cell["n"] - old[cell["key"]]["n"]
                if 0 < abs(change) < K:
                    leaks.append(f"{key}/{cell['key']}: {change:+d}")
    assert not leaks, "subtracting the first publication gives the late response: " + ", ".join(leaks)
    # The page still says what it can: the figures that did not move are shown.
    assert shown({cell["label"]["es"]: cell for cell in after[f"region-{AXES[0]}"]["cells"]}["Puno"])


def test_the_review_step_says_why_a_figure_is_hidden_across_tables(client, round_):
    made, _ = round_
    sign_in(client, make_staff("editor"))
    page = client.get(f"/rounds/{made.id}/publication?k=3&is_naming_organisations=y").get_data(as_text=True)
    assert "cruzada: con otras tablas o con una publicación anterior" in page
